"""Sign-in and what the signed-in user may see.

With an ``[auth]`` section in Streamlit's secrets, every visitor signs in (``st.login``,
OpenID Connect) and sees only the agencies the access file grants their e-mail address;
an unlisted user sees nothing. Without it, the dashboard is in local single-user mode,
and says so on every page.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from metrics.access import LOCAL, Access, AccessError, access_for, load_access_file

ACCESS_KEY = "access"


def sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


@st.cache_data(max_entries=4, show_spinner=False)
def _access_map(path: str, modified: float) -> dict:
    return load_access_file(path)


def current_access() -> Access:
    """The visitor's access; stops the page with a clear message when there is none."""
    if not sign_in_configured():
        access = LOCAL
    else:
        access = _signed_in_access()
    st.session_state[ACCESS_KEY] = access
    return access


def _signed_in_access() -> Access:
    if not st.user.is_logged_in:
        st.title("Recovery Oversight")
        st.write("Sign in to see the figures of the agencies you oversee.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    path = os.environ.get("OVERSIGHT_ACCESS_FILE")
    if not path:
        st.error("Sign-in is configured but no access file is (set OVERSIGHT_ACCESS_FILE): nobody may see data.")
        st.stop()
    try:
        access = access_for(st.user.get("email"), _access_map(path, Path(path).stat().st_mtime))
    except (AccessError, OSError) as error:
        st.error(f"The access file cannot be used: {error}")
        st.stop()
    if access is None:
        st.error(f"{st.user.get('email')} has not been given access to any agency. Ask the dashboard's administrator.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return access


def who_is_looking(sidebar) -> None:
    """Say in the sidebar who is signed in, or that this is the local single-user mode."""
    access: Access = st.session_state[ACCESS_KEY]
    if access.local:
        sidebar.caption(
            ":material/computer: **Local single-user mode**: no sign-in is configured, so this "
            "dashboard shows every agency in the extract. Configure `[auth]` before sharing it."
        )
    else:
        scope = "all agencies" if access.sees_everything else f"{len(access.agencies)} agencies"
        sidebar.caption(f":material/person: Signed in as {access.user} ({scope}).")
        sidebar.button("Sign out", on_click=st.logout)


def session_access() -> Access:
    return st.session_state[ACCESS_KEY]
