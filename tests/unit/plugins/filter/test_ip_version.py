from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.platform.plugins.filter.ip_version import FilterModule

ip_version = FilterModule().filters()['ip_version']

SOURCES = ['10.0.0.5', 'fd00::1', '10.0.0.0/24', '::/0', '0.0.0.0/0', '2001:db8::/32', '192.0.2.7']


def test_keeps_the_ipv4_entries_in_their_order():
    assert ip_version(SOURCES, 4) == ['10.0.0.5', '10.0.0.0/24', '0.0.0.0/0', '192.0.2.7']


def test_keeps_the_ipv6_entries_in_their_order():
    assert ip_version(SOURCES, 6) == ['fd00::1', '::/0', '2001:db8::/32']


def test_version_may_come_as_a_string():
    assert ip_version(SOURCES, '6') == ip_version(SOURCES, 6)


def test_empty_list_gives_empty_list():
    assert ip_version([], 4) == []


@pytest.mark.parametrize('bad', ['db1', '', '10.0.0', '10.0.0.0/33'])
def test_an_entry_that_is_no_address_is_an_error_naming_it(bad):
    with pytest.raises(AnsibleFilterError, match=repr(bad).replace('.', r'\.').replace('/', '/')):
        ip_version(['10.0.0.1', bad], 4)


def test_a_version_other_than_4_or_6_is_an_error():
    with pytest.raises(AnsibleFilterError, match='4 or 6'):
        ip_version(SOURCES, 5)
