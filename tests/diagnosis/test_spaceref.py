"""Space references in every form people paste, placeholders, and the strict id validator."""
import pytest
from huggingface_hub.utils import HFValidationError, validate_repo_id

from diagnosis.model import Phrase
from diagnosis.spaceref import (
    explicit_space,
    find_other_repos,
    find_spaces,
    is_valid_space_id,
    not_a_space,
    subdomain_candidates,
    subdomain_of,
)


def ids(text: str) -> list[tuple[str, ...]]:
    return [r.candidates for r in find_spaces(text) if not r.placeholder]


@pytest.mark.parametrize("text", [
    "https://huggingface.co/spaces/alice/chat",
    "see https://huggingface.co/spaces/alice/chat/tree/main for code",
    "https://huggingface.co/spaces/alice/chat/discussions/3",
    "https://huggingface.co/spaces/alice/chat?logs=container",
    "https://huggingface.co/spaces/alice/chat/blob/main/app.py",
    "is it https://huggingface.co/spaces/alice/chat?",
    "(https://huggingface.co/spaces/alice/chat).",
    "<https://huggingface.co/spaces/alice/chat>",
    "[my space](https://huggingface.co/spaces/alice/chat)",
    "hf.co/spaces/alice/chat, thanks",
    "https://www.huggingface.co/spaces/alice/chat#top",
    "curl https://huggingface.co/api/spaces/alice/chat/runtime",
    "My Space (alice/chat) is stuck",
    "The space that has a problem is alice/chat",
])
def test_url_and_bare_forms_give_the_id(text):
    assert ids(text) == [("alice/chat",)]


def test_dots_underscores_and_dashes_in_ids():
    assert ids("https://huggingface.co/spaces/my-org_2/model.v2-demo.") == [("my-org_2/model.v2-demo",)]


def test_subdomain_keeps_every_split():
    refs = find_spaces("the app at https://my-org-cool-app.hf.space/ shows 503")
    assert refs[0].source == "subdomain" and refs[0].subdomain == "my-org-cool-app"
    assert set(refs[0].candidates) == {"my/org-cool-app", "my-org/cool-app", "my-org-cool/app"}
    assert refs[0].id is None  # ambiguous until resolved against the Hub


def test_subdomain_and_url_of_the_same_space_collapse_to_the_url():
    for text in ("https://huggingface.co/spaces/Libre_Chat/Libre.Chat or https://libre-chat-libre-chat.hf.space",
                 "https://libre-chat-libre-chat.hf.space or https://huggingface.co/spaces/Libre_Chat/Libre.Chat"):
        assert ids(text) == [("Libre_Chat/Libre.Chat",)]


def test_several_spaces_in_order():
    text = "Spaces (Qwen/Qwen3-ASR, bob/tts) fail, also https://huggingface.co/spaces/carol/x-y"
    assert ids(text) == [("Qwen/Qwen3-ASR",), ("bob/tts",), ("carol/x-y",)]


@pytest.mark.parametrize("text", [
    "my app https://huggingface.co/spaces/OWNER/SPACE_NAME is down",
    "space your-username/your-space shows 503",
    "the Space <space> is paused",
    "my space xxx/yyy restarts forever",
    "space username/space-name fails",
    "https://huggingface.co/spaces/<user>/<space>",
    "Space: YOUR_USERNAME/YOUR_SPACE",
])
def test_placeholders_are_not_spaces(text):
    refs = find_spaces(text)
    assert refs and all(r.placeholder for r in refs)
    assert all(r.id is None for r in refs)


@pytest.mark.parametrize("text", [
    "load model in Huggingface spaces: /home/user/app/app.py and models/meta-llama/Llama-2-7b-chat-hf",
    "my space broke.\nCOPY --from=cloudflare/cloudflared:latest /usr/local/bin/cloudflared",
    "the model meta-llama/Llama-2-7b failed to download",  # no Space word: a model id
    "space usage is 12/2023 and I/O bound, N/A",
    "Space dies: see src/app.py line 3",
    "Spaces are great: https://huggingface.co/meta-llama/Llama-2-7b",
])
def test_paths_models_and_dates_are_not_spaces(text):
    assert ids(text) == []


@pytest.mark.parametrize("good", ["a/b", "alice/chat", "my-org/cool_app.v2", "A1/" + "x" * 96, "someone/2048",
                                  "2048/game", "_org/_app"])
def test_valid_ids(good):
    assert is_valid_space_id(good)


@pytest.mark.parametrize("bad", [
    "", "alice", "a/b/c", "../etc", "a/..", "a/.b", "-a/b", "a/b-", "a--b/c", "a/b..c", "a/b?x=1", "a/b#x",
    "a b/c", "a/" + "x" * 97, "a/b\n", "%2e%2e/x", "a/b.", "https://huggingface.co/spaces/a/b", "ä/b", None, 5,
])
def test_invalid_ids_never_reach_a_url(bad):
    assert not is_valid_space_id(bad)


def test_subdomain_of_matches_hub_derivation():
    assert subdomain_of("Libre_Chat/Libre.Chat") == "libre-chat-libre-chat"
    assert "libre-chat/libre-chat" in subdomain_candidates("libre-chat-libre-chat")


def test_fifty_urls():
    text = " ".join(f"https://huggingface.co/spaces/user{i}/app{i}" for i in range(50))
    assert len(ids(text)) == 50


@pytest.mark.parametrize("text", ["https://bob-app.hf.space", "bob-app.hf.space", "at bob-app.hf.space.",
                                  "(bob-app.hf.space/)"])
def test_subdomain_at_any_position(text):
    assert [r.candidates for r in find_spaces(text)] == [("bob/app",)]


def test_not_a_subdomain():
    assert find_spaces("x.hf.spacex and a-b.hf.space-foo") == ()


@pytest.mark.parametrize("repo_id", [
    "someone/2048", "a/b", "_x/y", "x/y_", "a.b/c.d", "a-b/c-d", "a/b.git", "a/b.", "a/.b", "a--b/c", "a/b..c",
    "ä/b", "a/b c", "a" * 96 + "/b", "a" * 97 + "/b", "a/" + "b" * 97,
])
def test_ids_follow_huggingface_hubs_own_rules(repo_id):
    try:
        validate_repo_id(repo_id)
        hub_accepts = True
    except HFValidationError:
        hub_accepts = False
    assert is_valid_space_id(repo_id) is hub_accepts


@pytest.mark.parametrize("arg, space", [
    ("someone/2048", "someone/2048"),  # all digits: a valid name on the Hub
    (" someone/2048 ", "someone/2048"),
    ("https://huggingface.co/spaces/someone/2048", "someone/2048"),
    ("alice/chat.", "alice/chat"),
    ("bob-app.hf.space", "bob/app"),
])
def test_explicit_space_takes_any_id_the_hub_takes(arg, space):
    ref = explicit_space(arg)
    assert ref is not None and ref.id == space


@pytest.mark.parametrize("arg", ["huggingface.co/meta-llama", "https://huggingface.co/meta-llama/Llama-2-7b",
                                 "not a space!", "a/b/c", "https://example.com/a"])
def test_explicit_space_refuses_what_names_no_space(arg):
    assert explicit_space(arg) is None


def test_explicit_template_id_is_a_placeholder():
    assert explicit_space("OWNER/SPACE_NAME").placeholder


@pytest.mark.parametrize("text, found", [
    ("https://huggingface.co/meta-llama/Llama-2-7b-hf is broken", (("model", "meta-llama/Llama-2-7b-hf"),)),
    ("see hf.co/datasets/HuggingFaceFW/fineweb/viewer.", (("dataset", "HuggingFaceFW/fineweb"),)),
    ("curl https://huggingface.co/api/models/openai/whisper-large-v3", (("model", "openai/whisper-large-v3"),)),
    ("https://huggingface.co/spaces/a/b and https://huggingface.co/docs/hub/spaces", ()),
    ("https://huggingface.co/settings/tokens", ()),
    ("the model meta-llama/Llama-2-7b", ()),  # only links count
])
def test_models_and_datasets_linked(text, found):
    assert find_other_repos(text) == found


def test_not_a_space_says_what_it_is():
    assert not_a_space("https://huggingface.co/meta-llama/Llama-2-7b") == Phrase.of(
        "invalid.other_repo", repo="meta-llama/Llama-2-7b", kind="model")
    assert not_a_space("https://huggingface.co/datasets/x/y").get("kind") == "dataset"
    assert not_a_space("my app") == Phrase.of("invalid.not_a_space_id", given="'my app'")
