"""Places: UK postcodes, distances, an offline postcode geocoder and k-anonymous map hexagons.

The core modules (`postcodes`, `geo`, `grids`, `index`, `hexbin`) are pure Python (numpy and h3
where they help) and never import Django, so they are unit-tested and benchmarked directly (the
benchmark is the repository's bench/places.py). Only `apps.py` and the management command touch
Django.
"""
