"""The API's routes, one module per area; ``create_app`` includes their routers."""
