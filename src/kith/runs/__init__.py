"""Runs: a pharmacy's or foodbank's batch of deliveries from one pickup point, split between a
small team of volunteers into ordered routes."""
