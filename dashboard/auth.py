"""Sign-in and what the signed-in user may see.

With an ``[auth]`` section in Streamlit's secrets and an access file named in
``OVERSIGHT_ACCESS_FILE``, every visitor signs in (``st.login``, OpenID Connect) and sees only
the agencies the access file grants their e-mail address; an unlisted user sees nothing.
With neither, the dashboard is in local single-user mode, and says so on every page. Any
other set-up, or an access file that cannot be read, shows no data: visitors are told only
that access is not configured correctly, and the details go to the server's log.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.logger import get_logger

from metrics.policy.access import LOCAL, Access, AccessError, AccessFile, access_file_path, load_access_file
from metrics.store.cache import kept

ACCESS_KEY = "access"
NOT_CONFIGURED = (
    "Access to this dashboard is not configured correctly, so it shows no figures. "
    "Please ask the dashboard's administrator."
)

# The server's log (stderr): what is wrong with access is for the administrator, never for visitors.
log = get_logger(__name__)


def sign_in_configured() -> bool:
    """Whether Streamlit's secrets hold an ``[auth]`` section; secrets that exist but cannot be read are an error."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError as error:
        if error.error_id == "no-secrets-found":
            return False
        raise AccessError(f"Streamlit's secrets cannot be read: {error}") from error


@kept(maxsize=4)
def _access_file(path: str, changed: tuple[int, ...]) -> AccessFile:
    # Keyed as an extract's files are (metrics.extract.folder.fingerprint), so that any edit is read
    # again on the next run, even one that puts back the file's size and modification time.
    return load_access_file(path)


def _configured_access_file() -> AccessFile | None:
    """The access file, or None in local single-user mode; AccessError for any other set-up."""
    path = access_file_path(sign_in_configured())
    if path is None:
        return None
    try:
        status = Path(path).stat()
    except OSError as error:
        raise AccessError(f"{path}: cannot be read ({error.strerror})") from error
    return _access_file(path, (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_dev, status.st_ino))


def current_access() -> Access:
    """The visitor's access; stops the page with a message for a visitor who may see nothing."""
    try:
        access_file = _configured_access_file()
    except AccessError as error:
        log.error("Access refused to every visitor: %s", error)
        refuse(NOT_CONFIGURED)
    access = LOCAL if access_file is None else _signed_in_access(access_file)
    st.session_state[ACCESS_KEY] = access
    return access


def _signed_in_access(access_file: AccessFile) -> Access:
    if not st.user.is_logged_in:
        st.title("Recovery Oversight")
        st.write("Sign in to see the figures of the agencies you oversee.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    email = st.user.get("email")
    if not email:
        log.warning("A visitor signed in without an e-mail address: no access given")
        refuse("Your sign-in did not provide an e-mail address, so no access can be given. "
               "Please ask the dashboard's administrator.", sign_out=True)
    if st.user.get("email_verified") is False:
        # A provider that lets anyone claim any address says so: such an address proves nothing.
        log.warning("%s signed in with an address its provider has not verified: no access given", email)
        refuse(f"Your sign-in provider has not verified {email}, so no access can be given. "
               "Please ask the dashboard's administrator.", sign_out=True)
    access = access_file.access_for(email)
    if access is None:
        log.warning("%s signed in but is not listed in %s: no access given", email, access_file.path)
        refuse(f"{email} has not been given access to any agency in this dashboard. "
               "Please ask the dashboard's administrator.", sign_out=True)
    return access


def refuse(message: str, sign_out: bool = False) -> NoReturn:
    """End the page with this message alone."""
    st.title("Recovery Oversight")
    st.error(message, icon=":material/lock:")
    if sign_out:
        # Someone signed in with another of their accounts can try again with the right one.
        st.button("Sign out", on_click=st.logout)
    st.stop()


def who_is_looking(sidebar) -> None:
    """Say in the sidebar who is signed in, or that this is the local single-user mode."""
    access: Access = st.session_state[ACCESS_KEY]
    if access.local:
        sidebar.caption(
            ":material/computer: **Local single-user mode**: no sign-in is configured, so this "
            "dashboard shows every agency in the extract. Configure sign-in and an access file before "
            "sharing it."
        )
    else:
        if access.sees_everything:
            scope = "all agencies"
        else:
            scope = "1 agency" if len(access.agencies) == 1 else f"{len(access.agencies)} agencies"
        sidebar.caption(f":material/person: Signed in as {access.user} ({scope}).")
        sidebar.button("Sign out", on_click=st.logout)


def session_access() -> Access:
    return st.session_state[ACCESS_KEY]
