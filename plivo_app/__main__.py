"""`python -m plivo_app`: the development server on port 5000 (PLIVO_PORT or PORT to change it)."""

from plivo_app import DEFAULT_PORT, PORT_VARIABLE, create_app
from shared import env

if __name__ == "__main__":
    port = env("PORT") or env(PORT_VARIABLE, DEFAULT_PORT)  # PORT: what make run gives each app
    create_app().run(host=env("HOST", "127.0.0.1"), port=int(port))
