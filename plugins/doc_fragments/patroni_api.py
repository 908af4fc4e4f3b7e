# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of every module that talks to Patroni's REST API (module_utils.patroni_api)."""

from __future__ import annotations


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r"""
options:
  endpoints:
    description:
      - REST API URLs of the members, tried in order, e.g. C(https://db1.example:8008). A bare host name means
        C(https://HOST:8008).
    type: list
    elements: str
    required: true
  ca_file:
    description: CA certificate that signed the members' REST API certificates. The certificate and its host name are always verified.
    type: path
  client_cert:
    description: Client certificate, for a REST API with C(restapi.verify_client).
    type: path
  client_key:
    description: Key of O(client_cert) when it is not in the same file.
    type: path
  username:
    description: REST API user (C(restapi.authentication)); sent with writes only, never over plain http.
    type: str
  password:
    description: Password of O(username).
    type: str
  request_timeout:
    description: Seconds to wait for each request.
    type: int
    default: 5
"""
