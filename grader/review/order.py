"""The order in which a grader sees a class's answers to one item, and the names on them.

Named: alphabetical, the report folders' names in the URLs. Anonymous (a setting kept with the class, switched on
the index page): names hidden, each item's answers in a random order of their own that stays the same across
restarts and graders (an HMAC of the item and the name with a secret kept in the database), and each answer
reached by a token instead of its name. Switching it off shows the names again: grading is the same either way.
"""
import hashlib
import hmac
import secrets

from . import store


def anonymous(out):
    return store.setting(out, "anonymous", "off") == "on"


def set_anonymous(out, on):
    store.set_setting(out, "anonymous", "on" if on else "off")


class Ranked:
    def __init__(self, item, names, secret=None):
        self.item, self.secret = item, secret
        self.keys = {name: _digest(secret, "key", name)[:16] if secret else name for name in names}
        self.by_key = {key: name for name, key in self.keys.items()}
        self.names = sorted(names, key=lambda n: _digest(secret, self.item, n)) if secret else sorted(names)
        self.positions = {name: at for at, name in enumerate(self.names)}

    def key(self, name):
        return self.keys[name]

    def name(self, key):
        return self.by_key.get(key)

    def label(self, name):
        return f"submission {self.positions[name] + 1}" if self.secret else name


def ranked(out, item, names):
    """The class `names` in the order and with the keys of `item` (see the module's docstring)."""
    secret = store.setting(out, "order_secret", secrets.token_hex(16)) if anonymous(out) else None
    return Ranked(item, names, secret)


def _digest(secret, *parts):
    return hmac.new(secret.encode(), "\0".join(parts).encode(), hashlib.sha256).hexdigest()
