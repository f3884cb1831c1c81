"""Reading submitted modals into service inputs: each module turns one form's `view.state` into the service's
dataclass, refusing a value no person could have picked on its field (InvalidField)."""
