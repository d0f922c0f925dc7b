"""What a person does to a pipeline, each as one commit: init, add and set, activities, undo and redo, the demo."""
