"""`python -m plivo_app`: the development server on port 5000 (PORT to change it)."""

from plivo_app import create_app
from shared.config import env

if __name__ == "__main__":
    create_app().run(host=env("HOST", "127.0.0.1"), port=int(env("PORT", "5000")))
