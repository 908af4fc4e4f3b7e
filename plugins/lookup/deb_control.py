# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup deb_control: the control fields of Debian packages on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
name: deb_control
short_description: The control fields (Package, Version, Architecture...) of a Debian package on the controller
version_added: 0.3.0
description:
  - Reads a C(.deb) with Python alone (no dpkg-deb needed), so that a playbook can check a package's name and
    version before any host changes.
  - Fails naming the file and the reason when it is not a Debian package, or its control archive is compressed
    with zstd (build it with C(dpkg-deb -Zxz)).
options:
  _terms:
    description: Paths of C(.deb) files on the controller.
    type: list
    elements: path
    required: true
"""

EXAMPLES = r"""
- name: Refuse a package that is not release app_version of the app
  ansible.builtin.assert:
    that: __fields.Package == 'demo' and __fields.Version == app_version
  vars:
    __fields: "{{ lookup('hastack.platform.deb_control', '/tmp/demo_2.0.0_all.deb') }}"
"""

RETURN = r"""
_raw:
  description: One dict of control fields per file, continuation lines joined with newlines.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.hastack.platform.plugins.module_utils.deb_package import DebPackageError, control_fields


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        found = []
        for term in terms:
            try:
                found.append(control_fields(term))
            except DebPackageError as exc:
                raise AnsibleLookupError('%s: %s' % (term, exc))
        return found
