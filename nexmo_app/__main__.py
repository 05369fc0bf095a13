"""`python -m nexmo_app`: the development server on port 5001 (VONAGE_PORT or PORT to change it)."""

from nexmo_app import DEFAULT_PORT, PORT_VARIABLE, create_app
from shared import env

if __name__ == "__main__":
    port = env("PORT") or env(PORT_VARIABLE, DEFAULT_PORT)  # PORT: what make run gives each app
    create_app().run(host=env("HOST", "127.0.0.1"), port=int(port))
