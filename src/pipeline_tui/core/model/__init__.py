"""What a lead file and the playbook mean: the typed lead, its grade and checks, the playbook, the pipeline folder."""
