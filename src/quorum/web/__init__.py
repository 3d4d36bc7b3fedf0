"""The web site: server-rendered pages, their JSON twins, Atom feeds and a static build.

``create_app(store, config)`` in ``quorum.web.app``; ``serve(desk, port)`` in
``quorum.web.server``; ``build_site(store, config, folder)`` in ``quorum.web.static_site``.
"""
