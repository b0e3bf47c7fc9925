"""Outbound URL fetching that refuses private targets and caps bytes, time and redirects."""

from songforge.net.fetch import FetchResult, describe_size, download_to_file, post_json
from songforge.net.guard import (
    FetchFailed,
    UrlRefused,
    address_problem,
    check_target,
    is_public_address,
    validate_url_syntax,
)

__all__ = [
    "FetchFailed",
    "FetchResult",
    "UrlRefused",
    "address_problem",
    "check_target",
    "describe_size",
    "download_to_file",
    "is_public_address",
    "post_json",
    "validate_url_syntax",
]
