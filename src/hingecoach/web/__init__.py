"""The web app: film a set on a phone, get the coaching, share it with a coach (``hinge serve``).

Pipeline position: an edge, directly below the CLI: **web** → report, pipeline, store. Modules:
:mod:`.app` (``create_app``, ``WebConfig``: routes and pages), :mod:`.accounts` (sign-up, Argon2
passwords, sessions, the login rate limit, coach invites), :mod:`.uploads` (streamed upload,
caps, probing), :mod:`.jobs` (jobs in the database), :mod:`.worker` (the analysis process,
``python -m hingecoach.web.worker``), :mod:`.models` (the tables; migrations 0003, 0004),
:mod:`.live` (the live page and its WebSocket), :mod:`.tls` (``--https`` certificates),
:mod:`.bench` and :mod:`.live_bench` (the server's figures for ``hinge bench``). Nothing is
imported here, so the worker process starts without the web framework.
"""
