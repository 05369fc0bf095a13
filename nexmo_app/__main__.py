"""`python -m nexmo_app`: the development server on port 5001 (PORT to change it)."""

from nexmo_app import create_app
from shared.config import env

if __name__ == "__main__":
    create_app().run(host=env("HOST", "127.0.0.1"), port=int(env("PORT", "5001")))
