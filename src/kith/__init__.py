"""Kith: software for neighbourhood mutual-aid groups."""
