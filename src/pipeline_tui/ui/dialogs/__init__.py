"""The modal screens: edit a lead (and confirm removing a field), log an activity, mark the next action done, help."""
