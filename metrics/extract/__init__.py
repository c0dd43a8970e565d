"""Reading an extract: its contract, its files, the checked database built from them, and the
anonymizer that makes one."""
