"""What the app factory attached to the application, typed for the routes."""

from fastapi import Request

from songforge.core.services import Services


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services
