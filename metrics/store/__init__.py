"""The built database: its connection, the SQL files run against it, and the tables derived at load."""
