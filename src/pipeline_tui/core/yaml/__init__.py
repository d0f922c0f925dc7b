"""YAML text: the safe, fast reader and the surgical edits that keep every byte a person wrote."""
