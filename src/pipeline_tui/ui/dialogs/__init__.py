"""The modal screens: edit a lead, log an activity, mark the next action done, confirm, help."""
