"""Airflow 3 plugin: the presswatch page (feed health, articles and stories per day, topic
attention) as a FastAPI app under /presswatch plus an entry in the UI's Browse menu.

Every route requires a logged-in Airflow user (the same JWT cookie the Airflow UI uses) whom
the auth manager allows to view the website. The page reads the published snapshot only and
has no write actions. No heavy imports here: duckdb is imported per request by the app.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


def _app():
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view
    from fastapi import Depends
    from presswatch.web.app import create_app

    return create_app(dependencies=[Depends(requires_access_view(AccessView.WEBSITE))])


class PresswatchPlugin(AirflowPlugin):
    name = "presswatch"
    fastapi_apps = [{"app": _app(), "url_prefix": "/presswatch", "name": "presswatch"}]
    external_views = [{
        "name": "Presswatch",
        "href": "presswatch/",
        "destination": "nav",
        "category": "browse",
        "url_route": "presswatch",
    }]
