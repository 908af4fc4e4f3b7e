# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ip_version: the addresses and networks of an allow list that are of one IP version."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: ip_version
short_description: The entries of an allow list of one IP version (4 or 6), for firewall rules written per family
version_added: 0.3.0
description:
  - Keeps, in their order, the addresses and CIDR networks of the given IP version.
  - An entry that is neither an address nor a network is an error (the roles' checks refuse those first,
    with C(hastack.platform.invalid_sources)); nothing is dropped silently.
  - Does what C(ansible.utils.ipv4) and C(ansible.utils.ipv6) do for such lists without their argument
    validation, which under ansible-core 2.19 deep-copies the play's variables on every call (seconds per
    firewall file on a host with many variables).
options:
  _input:
    description: Addresses and networks.
    type: list
    elements: str
    required: true
  version:
    description: The IP version to keep.
    type: int
    choices: [4, 6]
    required: true
"""

EXAMPLES = r"""
- name: The IPv4 sources of a rule
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.0/24', 'fd00::1', '192.0.2.7'] | hastack.platform.ip_version(4) }}"  # ['10.0.0.0/24', '192.0.2.7']
"""

RETURN = r"""
_value:
  description: The entries of that version, in their order, as given.
  type: list
  elements: str
"""


def _version_of(source):
    text = str(source).strip()
    try:
        return (ipaddress.ip_network(text, strict=False) if '/' in text else ipaddress.ip_address(text)).version
    except ValueError:
        raise AnsibleFilterError("ip_version: %r is neither an IP address nor a network" % (source,)) from None


def ip_version(sources, version):
    if int(version) not in (4, 6):
        raise AnsibleFilterError("ip_version: the version is 4 or 6, not %r" % (version,))
    return [str(source).strip() for source in sources if _version_of(source) == int(version)]


class FilterModule(object):
    def filters(self):
        return {'ip_version': ip_version}
