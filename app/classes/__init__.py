"""Follow mode: a teacher's steps published to every student's screen (issue 14).

A class is a short code (codes.py), a secret teacher key stored as a digest, the canonical URL of
the teacher's current page (urls.py) and its sequence number, and an end time
(``CONVSTEP_CLASS_TTL_S``). It lives on a bus (bus.py): in this process's memory by default
(memory.py; ONE worker only), or in Redis when ``CONVSTEP_REDIS_URL`` is set (redis_bus.py; any
number of workers and hosts). service.py holds the rules (limits, faults, the event stream);
app/api/classes.py is the HTTP face.

Reading a class from other code (class-ui's ``/join/{code}`` page, server side)::

    from app.classes import get_classroom
    info = await get_classroom(request.app).info(code)   # Problem 404 unknown/ended, 503 bus down
    info.url, info.seq, info.followers, info.expires_at  # expires_at: Unix time; iso(info.expires_at)
    info.as_json()   # {"code", "url", "followers", "expires_at"}: the body of GET /api/classes/{code}
"""

from .service import ClassInfo, Classroom, get_classroom, iso

__all__ = ["ClassInfo", "Classroom", "get_classroom", "iso"]
