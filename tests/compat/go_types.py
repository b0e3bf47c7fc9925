"""The Go types that new-api (and DeerAPI-style clients) decode songforge's answers into, as checks.

Written from new-api's `dto/suno.go` (QuantumNous/new-api): `TaskResponse[T]`, `SunoDataResponse`, `TaskDto`,
`SunoSong`, `SunoMetadata`, `SunoLyrics`, and the task statuses of `model/task.go`. Go's encoding/json fails
the whole answer when one field has the wrong JSON type (a number where a string is declared, a float or a
string where an int64 is declared); it accepts null for any field and ignores keys it does not know.
"""

from typing import Any

STRING = "string"
INT64 = "int64"
BOOL = "bool"
RAW = "json.RawMessage / interface{}"

Schema = str | dict[str, Any] | list[Any]

SUNO_METADATA: dict[str, Schema] = {
    "tags": STRING,
    "prompt": STRING,
    "gpt_description_prompt": RAW,
    "audio_prompt_id": RAW,
    "duration": RAW,
    "error_type": RAW,
    "error_message": RAW,
}
SUNO_SONG: dict[str, Schema] = {
    "id": STRING,
    "video_url": STRING,
    "audio_url": STRING,
    "image_url": STRING,
    "image_large_url": STRING,
    "major_model_version": STRING,
    "model_name": STRING,
    "status": STRING,
    "title": STRING,
    "text": STRING,
    "metadata": SUNO_METADATA,
}
SUNO_LYRICS: dict[str, Schema] = {"id": STRING, "status": STRING, "title": STRING, "text": STRING}
SUNO_DATA_RESPONSE: dict[str, Schema] = {
    "task_id": STRING,
    "action": STRING,
    "status": STRING,
    "fail_reason": STRING,
    "url": STRING,
    "submit_time": INT64,
    "start_time": INT64,
    "finish_time": INT64,
    "data": RAW,
}
TASK_DTO: dict[str, Schema] = {**SUNO_DATA_RESPONSE, "progress": STRING}
TASK_STATUSES = {"NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "FAILURE", "SUCCESS", "UNKNOWN"}


def task_response(data: Schema) -> dict[str, Schema]:
    """`TaskResponse[T]`: `{"code": string, "message": string, "data": T}`."""
    return {"code": STRING, "message": STRING, "data": data}


def decode(value: Any, schema: Schema, where: str = "$") -> None:
    """Fail (AssertionError naming the field) where Go's json.Unmarshal into `schema` would fail."""
    if value is None or schema == RAW:
        return
    if schema == STRING:
        assert isinstance(value, str), f"{where}: Go wants a string, got {value!r}"
    elif schema == INT64:
        assert type(value) is int and -(2**63) <= value < 2**63, f"{where}: Go wants an int64, got {value!r}"
    elif schema == BOOL:
        assert isinstance(value, bool), f"{where}: Go wants a bool, got {value!r}"
    elif isinstance(schema, list):
        assert isinstance(value, list), f"{where}: Go wants an array, got {type(value).__name__}"
        for index, item in enumerate(value):
            decode(item, schema[0], f"{where}[{index}]")
    else:
        assert isinstance(schema, dict), schema
        assert isinstance(value, dict), f"{where}: Go wants an object, got {type(value).__name__}"
        for key, item in value.items():
            # encoding/json matches keys case-insensitively.
            field = next((name for name in schema if name.lower() == key.lower()), None)
            if field is not None:
                decode(item, schema[field], f"{where}.{key}")


def decode_task(task: Any, where: str = "$") -> None:
    """One task object as new-api's poller (`SunoDataResponse`) and its clients (`TaskDto`) read it, plus the
    shape of its `data`: an array of `SunoSong` for MUSIC, one `SunoLyrics` object for LYRICS."""
    decode(task, TASK_DTO, where)
    assert task["status"] in TASK_STATUSES, f"{where}.status {task['status']!r} is not in new-api's enum"
    assert task["action"] in ("MUSIC", "LYRICS"), task["action"]
    if task["action"] == "MUSIC":
        decode(task["data"], [SUNO_SONG], f"{where}.data")
        assert isinstance(task["data"], list), f"{where}.data: a MUSIC task's data is an array"
    elif task["status"] == "SUCCESS":
        decode(task["data"], SUNO_LYRICS, f"{where}.data")
        assert isinstance(task["data"], dict), f"{where}.data: a LYRICS task's data is one object"
