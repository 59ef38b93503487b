"""The embedded local stack behind `gridstream up`: NATS, PostgreSQL, the simulator and the services."""
