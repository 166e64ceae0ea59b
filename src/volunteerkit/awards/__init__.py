"""Awards: recognition rules as data, built-in rule sets, evaluation, and the award ledger."""
