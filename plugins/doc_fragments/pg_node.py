# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options shared by every module that talks to the local PostgreSQL node (NODE_ARGUMENT_SPEC)."""

from __future__ import annotations


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r"""
options:
  version:
    description: Major version; the newest installed one when omitted.
    type: str
  cluster:
    description: Debian cluster name.
    type: str
    default: main
  port:
    description: Port of the cluster.
    type: int
    default: 5432
  socket_dir:
    description: Directory of the server's Unix socket.
    type: path
    default: /var/run/postgresql
  login_user:
    description: Database role to connect as.
    type: str
    default: postgres
  connect_timeout:
    description: Seconds to wait for a connection; a stuck server is reported, not waited for.
    type: int
    default: 3
requirements:
  - python3-psycopg2 on the database host
"""
