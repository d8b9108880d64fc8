"""Flask CLI commands, one module per area; cli.register() adds each module's COMMANDS."""
