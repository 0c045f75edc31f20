"""Symptoms people describe in their own words (English and Chinese) → Findings.

Platform messages and log lines are read by `logs.py`; this module reads the prose around them:
"stuck in Build Queued", "restart fails", "I pushed 10 empty commits", "一直building", "all my
Spaces", "other people too". Weights are small next to a platform message: words narrow the
picture, logs and live evidence decide it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import regex

from .logs import denied, sentence_at
from .model import Bucket, Finding

B = Bucket
_I = re.IGNORECASE
_NOT = r"(?:n['’]t|\s+not)"  # doesn't / does not

def _for_lowercase(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern without IGNORECASE, for text already lowercased: Python's re tries an IGNORECASE
    alternation about 2.5x slower, and each symptom is tried on every line that holds one of its anchors.
    Escapes (`\\S`, `\\B`, …) and named groups (`(?P<…>`) keep their case; everything else is lowered."""
    out, chars = [], iter(pattern.pattern)
    for c in chars:
        out.append(c + next(chars, "") if c == "\\" else c.lower())
    lowered = "".join(out).replace("(?p<", "(?P<").replace("(?p=", "(?P=")
    return re.compile(lowered, pattern.flags & ~re.IGNORECASE)


# (code, bucket, weight, pattern); ANCHORS below lets the scan skip a pattern whose words are absent.
_SYMPTOMS: tuple[tuple[str, Bucket | None, float, re.Pattern[str]], ...] = tuple(
    (code, bucket, weight, re.compile(pattern, _I))
    for code, bucket, weight, pattern in (
        # -- builder not dispatching / stuck lifecycle (seed post, Branch B)
        ("builder_not_dispatching", B.LIFECYCLE_STUCK, 3.2,
         rf"never (?:starts?|started|begins?) (?:building|to build|a build)|(?:builder|build) never (?:runs|starts|started|begins)"
         rf"|\bbuild (?:do(?:es)?|did){_NOT} (?:even )?(?:start|begin|run)\b"
         rf"|(?:commits?|pushe?s?)\b[^.\n]{{0,40}}(?:do(?:es)?|did){_NOT} (?:trigger|start|dispatch)\w{{0,3}}(?: a| any| the)?(?: new)? (?:(?:re)?build|anything)"
         rf"|no (?:new )?build (?:is|was|gets|got) (?:ever )?(?:triggered|started|dispatched)"
         rf"|(?:do(?:es)?|did){_NOT} (?:trigger|dispatch) (?:a |any |the )?(?:new )?build"
         rf"|(?:build queued|queued)[^.\n]{{0,20}}(?:→|->|to|then|straight to|directly to)\s{{0,3}}[\"“]?paused"
         r"|提交.{0,10}(?:不|没有?)(?:触发|开始)(?:构建|build)"),
        ("build_queued", B.LIFECYCLE_STUCK, 1.6,
         r"build(?:ing)?[ _]queued(?! at \d)|stuck (?:in|on|at) (?:the )?queue|一直(?:在)?排队|排队中"),
        ("paused_by_owner", B.SLEEPING, 3.0, r"paused by (?:its|the|their) owner|暂停.{0,6}所有者"),
        # "paused by its owner" when the owners say they never paused it: not asleep, stuck (or locked)
        ("pause_denied", B.LIFECYCLE_STUCK, 3.2,
         rf"\b(?:I|we)(?: did{_NOT}| never| have{_NOT}| haven['’]t)(?: ever)? paused?\b|\b(?:none of us|nobody|no one) paused"
         r"|without (?:me|us|anyone) paus|我(?:没有|没|并没有)暂停"),
        ("paused", B.LIFECYCLE_STUCK, 1.3,
         r"(?<![a-z])paused?(?![a-z])|暂停|停掉|被停"),
        ("restart_fails", B.LIFECYCLE_STUCK, 1.2,
         rf"restart(?:ing|ed|s)?\b[^.\n]{{0,40}}(?:fails?|failed|fails|{_NOT} (?:help|work|fix)|returns? 503|gives? 503|no luck|nothing happens)"
         r"|(?:can['’]?t|cannot|unable to|impossible to) restart|(?:after|despite) (?:\d{1,2}|two|three|several|multiple|many) restarts"
         r"|重启(?:失败|也?没用|无效|不行|不了)"
         r"|再起動[^\n]{0,8}(?:同じ|失敗|できない|できません|ダメ)"),
        ("factory_rebuild_fails", B.LIFECYCLE_STUCK, 1.5,
         rf"factory (?:rebuild|reboot|reset)s?\b[^.\n]{{0,60}}(?:fail|503|{_NOT}|no luck|nothing|same|stuck|waiting)"
         r"|(?:several|multiple|many|\d+) factory (?:rebuild|reboot|reset)s?|恢复出厂.{0,6}(?:失败|没用)"),
        ("empty_commits", B.LIFECYCLE_STUCK, 1.0,
         r"empty commits?|(?:pushed|made|tried) (?:\d{1,3}|several|many|multiple|a few|a bunch of) (?:empty |new |more )?commits"
         r"|空提交|提交了?(?:很多|多次)"),
        ("logs_frozen", B.LIFECYCLE_STUCK, 1.2,
         rf"logs? (?:do(?:es)?{_NOT}|are{_NOT}|is{_NOT}|never) (?:update|updating|change|show anything|appear|load)"
         r"|logs? (?:have|has)(?:n['’]t| not| never) (?:been )?(?:updated|changed|moved)|no (?:build |container )?log (?:lines|output|entries)"
         r"|no (?:build |container |runtime )?logs? (?:at all|are shown|appear)|logs? (?:are |is )?(?:empty|blank|frozen)"
         r"|spinner in the build logs?|日志(?:没有|不|也不)(?:更新|变化|显示)|没有日志|ログ[^\n]{0,6}更新され(?:ない|ません)"),
        ("stuck_building", B.LIFECYCLE_STUCK, 1.6,
         r"(?:stuck|hangs?|hanging|frozen|forever)\b[^.\n]{0,30}\bbuilding\b"
         r"|\bbuilding\b[^.\n]{0,40}(?:stuck|forever|ever since|since (?:yesterday|hours|days|this morning|last)|indefinitely|infinite"
         r"|(?:for|over) (?:over |more than |about |almost |nearly |~)?(?:\d{1,3}\+? ?|a |an |many |several )?(?:hours?|days?|weeks?|hrs?)\b"
         r"|never (?:ends|finishes|completes)|without (?:any )?progress)"
         r"|(?:keeps?|kept|still|is) building (?:for )?(?:a (?:very )?long time|forever|endlessly)"
         r"|building (?:takes|took|is taking) (?:an? )?(?:\w+ )?(?:long|forever)|takes? (?:an? )?(?:\w+ )?long time to build"
         r"|infinite [\"“]?building|stuck (?:on|in|at) [\"“]?restarting|一直(?:在|是|显示)?\s?(?:building|构建)"
         r"|卡在\s?(?:building|构建)|构建卡住|(?:building|ビルド)[」\"”]?(?:の|で)まま|ビルドが(?:終わらない|進まない|進みません)"),
        ("preparing_space", B.LIFECYCLE_STUCK, 1.2,
         r"preparing space|[\"“]preparing(?: space)?[\"”]|stuck (?:on|in|at) [\"“]?preparing|一直\s?preparing"),
        # the proxy in front of the app gets no answer from it: the app is not serving on the Space's port (yet)
        ("bad_gateway", B.PORT_HEALTHCHECK, 2.0, r"\b502\b|bad gateway"),
        ("loading_forever", B.PORT_HEALTHCHECK, 1.8,
         r"(?:loading|starting)(?:\.{3}|…)?[\"”'`]?\W{0,3}(?:forever|for ever|endlessly|indefinitely|for hours|all the time)"
         r"|stuck (?:on|at|in) (?:the )?[\"“]?loading|stucks? on loading|never (?:finishes|stops) loading|keeps? (?:on )?loading"),
        ("stuck_starting", B.PORT_HEALTHCHECK, 1.4,
         r"(?:stuck|still|stays?|remains?|hangs?|hanging) (?:on|in|at) [\"“]?starting|starting forever|一直(?:在|是)?\s?starting|\bRUNNING_APP_STARTING\b|\bAPP_STARTING\b"),
        # -- app is up, page is not (seed: port / healthcheck / routing)
        ("app_running_claim", B.PORT_HEALTHCHECK, 1.0,
         r"(?:app|server|streamlit|gradio|uvicorn|fastapi|flask|application)\b[^.\n]{0,40}\b(?:started|running|is up|launched|listening)\b"
         r"[^.\n]{0,30}?\bon port (?P<port>\d{2,5})"
         r"|logs? (?:say|says|show|shows|indicate)s? (?:that )?[`\"“']?(?:it(?:'s| is) |the app is )?(?:running|started)"),
        # clean logs alone are no proof the app is up (a static page, a frontend error): below the floor on their own
        ("logs_clean", B.PORT_HEALTHCHECK, 0.9,
         rf"logs? (?:do(?:es)?{_NOT}|never) show any errors?|no errors? in the (?:container |app )?logs?"),
        ("running_but_not_serving", B.PORT_HEALTHCHECK, 1.4,
         r"\b(?:shows?|says?|status(?: is)?|badge|marked as|stage is|state is|it['’]s|is)\s[\"“'`]?running[\"”'`]?[^.\n]{0,40}\b(?:but|yet|however)\b[^.\n]{0,60}"
         r"(?:blank|\b50[234]\b|never loads|does(?:n['’]t| not) load|not loading|won['’]t load|spinn|starting)"),
        # the SDK, from a pasted README header or the person's words ("my Docker Space")
        ("sdk_named", None, 0.0,
         r"\bsdk:[ \t]{0,3}[\"']?(?P<sdk>gradio|streamlit|docker|static)\b|\b(?P<sdk2>docker|gradio|streamlit|static) (?:sdk|spaces?)\b"),
        # the fix people describe: the port the app listens on must be the one the Space routes to
        ("port_change", B.PORT_HEALTHCHECK, 2.4,
         r"(?:port|端口)\s?:?\s?\d{2,5}(?!\d)[^\n]{0,24}?(?:改成|改为|换成|需要改|changed? (?:it )?to|instead of|→|->)\s?(?:port )?\d{2,5}"
         r"|(?:chang\w{1,3}|switch\w{0,3}|set\w{0,3}|mov\w{1,3}) (?:the |my |its )?(?:app_)?port\b[^.\n]{0,20}\bto\b\s?\d{2,5}"),
        ("port_mention", B.PORT_HEALTHCHECK, 0.6,
         r"\bapp_port\b(?:[`'\"]?:[ \t]{0,3}[\"']?(?P<app_port>\d{2,5})\b)?|\bEXPOSE \d{2,5}|端口"),
        # -- sleeping / paused by owner: not broken
        # woken from sleep but never comes back: the restart is what fails
        ("wake_fails", B.LIFECYCLE_STUCK, 2.4,
         r"(?:won['’]t|doesn['’]t|does not|can['’]t|cannot|never|didn['’]t) wake(?: it)? up|fails? to wake|唤醒不了|无法唤醒"),
        ("sleeping", B.SLEEPING, 2.6,
         r"\bsleeping\b|\bsleeps\b|\basleep\b|\bin sleep\b|sleep (?:time|mode)|(?:went|goes|go|gone) to sleep|due to inactivity|休眠|睡眠"),
        ("stopped_stage", B.SLEEPING, 1.2, r"\bSTOPPED\b"),
        ("stopped_working", None, 0.0,
         r"\banymore\b|no longer (?:works?|working|available|loads?)|(?:stopped|stop) working|used to work|was working (?:fine|before|yesterday)"
         r"|worked (?:fine|before|yesterday|as usual)|working as usual previously|不能用了|用不了了"
         r"|\b(?:demo|space|app|site|server)\s(?:is|was|seems|went)\s(?:\w+ )?down\b|(?:could|can|would) you (?:please )?(?:restart|reboot|wake)"),
        # -- banners and stage names in prose (case-insensitive: UI casing varies by era)
        # the Space page's red banners: however thin the rest, a person quoting one names its bucket (low confidence)
        ("build_error_banner", B.BUILD_FAILURE, 2.4, r"(?<![a-z])build[ _]error(?![a-z])|构建(?:失败|错误)"),
        ("runtime_error_banner", B.RUNTIME_CRASH, 2.4, r"(?<![a-z])runtime[ _]error(?![a-z])|运行时?错误"),
        ("config_error_banner", B.CONFIG_ERROR, 2.0, r"\bconfig(?:uration)?[ _]error\b|配置错误"),
        ("memory_words", B.RUNTIME_CRASH, 1.6, r"out of memory|\bOOM\b|内存不足|内存超|显存不足|爆显存|爆内存"),
        # ZeroGPU's own failures in people's words (its messages are read exactly by logs.py)
        ("zerogpu_words", B.HARDWARE_SCHEDULING, 2.2,
         r"\bzero ?gpu\b[^.\n]{0,60}\b(?:errors?|fail\w{0,3}|abort\w{0,3}|quota|limit|unavailable|can['’]?t|cannot|not work\w{0,3}|timed? ?out)"
         r"|\b(?:errors?|fail\w{0,3}|abort\w{0,3})\b[^.\n]{0,40}\bzero ?gpu\b"),
        ("gpu_capacity_words", B.HARDWARE_SCHEDULING, 1.6,
         r"\b(?:more|add(?:ing)?|upgrade to an?|use an?|run (?:it )?on an?) gpus?\b|queue is (?:\w+ )?long|long queue"),
        ("no_gpu_words", B.HARDWARE_SCHEDULING, 1.6, r"\bno (?:free )?GPUs? (?:is |was |were )?available|GPU (?:is |was )?(?:not|never) available"),
        ("app_file_words", B.CONFIG_ERROR, 2.6,
         rf"\b(?:need|needs|needed|require[sd]?|missing|no|without|find|found|finds|locate|detect\w{{0,3}}){_NOT}?\b[^.\n]{{0,30}}"
         r"\b(?:an? |the )?(?:app\.py|app file|application file|main (?:app )?file|entry ?point file)"
         r"|(?:缺少|没有|找不到)\s?(?:app\.py|应用文件|入口文件)"),
        ("getting_started_page", B.CONFIG_ERROR, 2.4,
         r"your new space has been created|get started with your (?:\w+ )?space"),
        ("crash_words", B.RUNTIME_CRASH, 1.8,
         r"keeps? (?:on )?(?:crashing|restarting)|crash(?:es|ed)? (?:on|at|right after|during|when it) start"
         r"|restarts? (?:every|again and again|in a loop)|(?:restart|crash) loop|崩溃|闪退|不停重启"
         r"|\b(?:has |have |had |seems (?:to have )?|is |it )?crashed\b|\b(?:is|are|keeps?|kept|was|were) crashing\b"),
        # the app fails at its own job: a model that will not load, an error on every use, a bug in its code
        ("app_fails_words", B.RUNTIME_CRASH, 1.8,
         r"(?:fail(?:s|ed)? to|cannot|can['’]?t|could ?n['’]?t|unable to) load (?:the |a |my )?(?:model|weights|checkpoint|pipeline)"
         r"|load(?:ing)? (?:the )?model (?:failed|fails|error)|model (?:fails|failed) to load"
         r"|\b(?:always|keeps?|constantly|every ?time)\b[^.\n]{0,20}\b(?:gets?|getting|gives?|giving|shows?|showing|throws?|throwing|returns?|errors?)\b[^.\n]{0,10}\berrors?\b"
         r"|\b(?:python|code) (?:bug|error|exception)|\berrors? out\b|unexpected error|an error occurred|error (?:when|while|during) (?:generat|process|runn|upload|infer|predict|submitt)\w*"
         r"|加载模型失败|模型加载失败"),
        # the app itself answers a visitor's action with an error: a crash inside the app, not the platform
        ("error_on_use", B.RUNTIME_CRASH, 1.0,
         r"\b(?:errors?|fails?|failed|crash\w{0,3}|breaks)\b[^.\n]{0,30}\bwhen I (?:upload|click|submit|send|generate|press|enter|ask|type)"
         r"|\bwhen I (?:upload|click|submit|run|send|generate|press)\b[^.\n]{0,40}\bI get\b[^.\n]{0,10}(?:an? )?[\"“'`]?(?:error|\w+ errored)"),
        # paid hardware without a plan or credits behind it is paused until the hardware changes or billing resumes
        ("billing_ended", B.HARDWARE_SCHEDULING, 2.0,
         r"\b(?:subscription|plan|PRO|credits?|payment|billing|grant)\b[^.\n]{0,30}?\b(?:ended|expired|cancell?ed|ran out|run out|"
         r"failed|lapsed|was declined)\b|订阅(?:到期|过期)|额度用完"),
        ("gpu_quota_words", B.HARDWARE_SCHEDULING, 2.0, r"\bGPU quota\b|ZeroGPU (?:quota|usage|limit)|GPU ?(?:配额|额度)"),
        # -- moderation / account locks (seed post: policy-sensitive wording)
        ("account_locked", B.MODERATION_LOCK, 3.0,
         r"account\b[^.\n]{0,40}\b(?:was|has been|got|is|been)\s(?:\w+\s)?(?:locked|suspended|banned|disabled|blocked|restricted|flagged)"
         r"|(?:locked|suspended|banned|disabled) (?:my |our |the )?account|账号被?(?:封|锁|停用)|封号"),
        ("space_disabled_words", B.MODERATION_LOCK, 2.6, r"(?:space|repo|account) (?:has been|was|got|is) disabled"),
        ("safety_team", B.MODERATION_LOCK, 2.0, r"safety@huggingface\.co|safety team|trust (?:and|&) safety"),
        ("banned_words", B.MODERATION_LOCK, 1.6, r"被封|封(?:禁|了|掉|space|空间)|\bflagged\b|\bbanned\b|\bsuspended\b|false positive"),
        ("account_removed_words", B.MODERATION_LOCK, 2.8, r"删号|黑名单|风控|blacklist(?:ed)?|black-listed"),
        ("policy_sensitive_tool", B.MODERATION_LOCK, 0.8,
         r"(?P<tool>cloudflared|cloudflare tunnel|\bcf tunnel|\bngrok\b|\bfrpc?\b|\bv2ray\b|\bxray\b|\btrojan\b|\btor (?:relay|network|proxy|node|bridge)|microdescriptors"
         r"|\bnovnc\b|\bVNC\b|\bttyd\b|web[- ]?terminal"
         r"|(?<![A-Za-z0-9_./\-])(?:reverse[ -])?(?:prox(?:y|ies)|tunnels?)(?![A-Za-z0-9_/]|\.\w)|翻墙|代理|隧道)"),
        # -- many Spaces at once (platform) vs. one account
        ("others_too", B.PLATFORM_INCIDENT, 1.5,
         r"(?:other|many|several|lots of|multiple) (?:people|users|folks)\b[^.\n]{0,50}(?:same|too|also|as well|affected|report)"
         r"|(?:everyone|everybody)(?: else)?(?: is)? (?:having|seeing|affected|reporting)|same (?:issue|problem) (?:here|too)"
         r"|\bme too\b|is (?:hugging ?face|HF|spaces) (?:down|having (?:issues|problems|an outage))|all spaces (?:are )?down|大家都|别人也|其他人也"),
        # the same in other words; a pattern of its own so that its rarer anchors keep the scan cheap
        ("not_only_mine", B.PLATFORM_INCIDENT, 1.5,
         r"not (?:just|only) (?:me|mine|my (?:space|own))|(?:for|affects?|affecting) everyone|(?:also|even) the official ones"
         r"|(?:every|any|none of the) (?:\w+ )?spaces? (?:I|we) (?:open|try|tried|visit)"
         r"|\b(?:on|in|with|for|across) (?:any|all|every|other|several|multiple|many) (?:other )?(?:of (?:the|my) )?spaces\b"
         r"|(?:全部|都)挂了?|同事的|别人的(?:space|空间)"
         r"|\b(?:friends?|colleagues?|others|people|users|team ?mates?|coworkers?)\b[^.\n]{0,30}"
         r"(?:have|having|has|had|sees?|seeing|saw|gets?|getting|got|report\w{0,3}) the same"),
        ("status_page_incident", B.PLATFORM_INCIDENT, 2.0,
         r"(?:status (?:page|site)|status\.huggingface\.co)\b(?:(?!\bno\b|\bnot\b|n['’]t\b|\bgreen\b)[^.\n]){0,40}\b(?:incident|outage|degraded|partial)"),
        ("account_wide", B.LIFECYCLE_STUCK, 0.8,
         r"all (?:of )?my spaces|(?:both|all) (?:of )?(?:my|our) (?:spaces|accounts)|on both spaces|both spaces|(?:organization|org) and (?:my )?personal account"
         r"|所有(?:的)?\s?(?:space|空间)"),
        # 503 as an HTTP status only where the words say so ("Loading shard 503 of 800" is no status)
        ("http_503", None, 0.0,
         r"(?:http|status|error|code|response|returns?|returned|returning|gives?|gave|giving|shows?|showed|showing|throws?"
         r"|got|get|getting|with|a|an|提示)\W{0,12}503\b|\b503\W{0,3}(?:errors?|service|status|unavailable|bad gateway|response|page|loop)"
         r"|^\W{0,3}503\W{0,3}$"),
        # the person's words for a crash seen in the container log ("container logs show this error after startup")
        ("container_log_error", B.RUNTIME_CRASH, 1.6,
         r"(?:container|runtime|run|app|application) logs?\b[^.\n]{0,40}\b(?:errors?|exceptions?|tracebacks?|crash\w{0,3})\b"
         r"|\b(?:errors?|exceptions?|tracebacks?|crash\w{0,3})\b[^.\n]{0,30}\bafter (?:the )?(?:app )?(?:startup|start(?:ing)?|launch\w{0,3}|boot\w{0,3})"
         r"|(?:built|builds|build (?:was|is|finished|completed)) successfully[^\n]{0,80}\b(?:but|then|after)\b"),
        ("platform_down_words", B.PLATFORM_INCIDENT, 1.6,
         r"\b(?:possible |scheduled |platform |site-?wide |global )?(?:downtime|outage|maintenance)\b|維護|维护中|宕机"),
        # -- context for the reply, not for the bucket
        # commits pushed or rebuilds tried: only then is "stop pushing commits" advice rather than a reproach
        ("commits_pushed", None, 0.0,
         r"\b(?:push(?:ed|ing|es)?|re-?push\w{0,3}|committ?(?:ed|ing))\b[^.\n]{0,40}?\b(?:commits?|changes?|fix(?:es)?|updates?|code)\b"
         r"|\b(?:several|many|multiple|a few|a bunch of|\d{1,3}|new|more|empty) commits?\b|\brebuil(?:t|d|ds|ding)\b"
         r"|提交|推送|重新构建"),
        # the person runs a duplicate (or was told to make one): "don't duplicate the Space" would be wrong
        ("duplicated", None, 0.0, r"\bduplicat\w{0,5}|\bforked\b|复制(?:了|一个|一份)?\s?(?:space|空间|项目)"),
        # someone else's Space ("your demo is down") vs. one's own ("my Space", "I deployed")
        ("visitor_words", None, 0.0,
         r"\byour (?:hf |hugging ?face |online |web |gradio |public |live )?(?:demo|space|app|web ?ui)\b"
         r"|\bthe (?:official |online |hf |hugging ?face |public |live )?demo\b[^.\n]{0,30}?\b(?:is|seems|was|went|has been)\b"
         r"[^.\n]{0,15}?\b(?:down|broken|not working|unavailable|offline)\b|你们的|作者的"),
        ("owner_words", None, 0.0,
         r"\bmy (?:[\w-]{1,20} ){0,2}(?:space|demo|app)s?\b|\bon my (?:profile|account)\b"
         r"|\bI(?:'ve| have)? (?:deployed|created|built|made|uploaded)\b|我的\s?(?:space|空间|应用|项目)|我(?:部署|创建)"),
    )
)

_BY_CODE = {code: (bucket, weight) for code, bucket, weight, _ in _SYMPTOMS}
# Context for the reply only (who posts, what they tried): not an input of the reading model, which was trained
# without them (extract.py keeps them out of what it reads).
REPLY_CONTEXT_CODES = frozenset({"commits_pushed", "duplicated", "visitor_words", "owner_words"})
# Lower-case substrings, one of which every match of the code's pattern contains.
_LOWERCASE_PATTERNS = {code: _for_lowercase(pattern) for code, _, _, pattern in _SYMPTOMS}

_ANCHORS: dict[str, tuple[str, ...]] = {
    'builder_not_dispatching': ('build', 'queued', 'anything', '提交'),
    'build_queued': ('queue', '排队'),
    'paused_by_owner': ('owner', '所有者'),
    'paused': ('pause', '暂停', '停掉', '被停'),
    'restart_fails': ('restart', '重启', '再起動'),
    'factory_rebuild_fails': ('factory', '恢复出厂'),
    'empty_commits': ('commit', '提交'),
    'logs_frozen': ('log', '日志', 'ログ'),
    'stuck_building': ('building', 'restarting', '构建', 'ビルド', 'to build'),
    'preparing_space': ('preparing',),
    'stuck_starting': ('starting',),
    'app_running_claim': ('port', 'log'),
    'logs_clean': ('show any error', 'no error'),
    'sdk_named': ('sdk', 'docker', 'gradio s', 'streamlit s', 'static s'),
    'wake_fails': ('wake', '唤醒'),
    'port_mention': ('app_port', 'expose', '端口'),
    'port_change': ('port', '端口'),
    'sleeping': ('sleep', 'inactivity', '休眠', '睡眠'),
    'stopped_stage': ('stopped',),
    'stopped_working': ('anymore', 'no longer', 'working', 'used to work', 'worked', '不能用了', '用不了了', ' down', 'you restart',
                        'you please restart', 'you reboot', 'you wake', 'you please'),
    'build_error_banner': ('build error', 'build_error', '构建'),
    'runtime_error_banner': ('runtime error', 'runtime_error', '错误'),
    'config_error_banner': ('config', '配置错误'),
    'memory_words': ('memory', 'oom', '内存', '显存'),
    'gpu_quota_words': ('quota', 'zerogpu', '配额', '额度'),
    'account_locked': ('account', '账号', '封号'),
    'space_disabled_words': ('disabled',),
    'safety_team': ('safety',),
    'banned_words': ('封', 'flagged', 'banned', 'suspended', 'false positive'),
    'policy_sensitive_tool': ('cloudflare', 'cf tunnel', 'ngrok', 'frp', 'v2ray', 'xray', 'trojan', 'tor ', 'microdescriptors', 'vnc', 'ttyd', 'terminal', 'proxy', 'proxies', 'tunnel', '翻墙', '代理', '隧道'),
    'others_too': ('other', 'many', 'several', 'lots of', 'multiple', 'everyone', 'everybody', 'same', 'me too', 'down', 'having issues', 'having problems', 'having an outage', '大家', '别人', '其他人'),
    'not_only_mine': ('not just', 'not only', 'for everyone', 'affects everyone', 'affecting everyone', 'official ones',
                      ' spaces',
                      'space i ', 'spaces i ', 'space we ', 'spaces we ', 'the same', '挂', '同事', '别人的'),
    'status_page_incident': ('status',),
    'no_gpu_words': ('gpu',),
    'getting_started_page': ('space has been created', 'get started with your'),
    'app_file_words': ('app.py', 'app file', 'application file', 'main file', 'main app file', 'entry point file', 'entrypoint file', '应用文件', '入口文件'),
    'billing_ended': ('subscription', 'plan', 'credit', 'pay', 'bill', 'grant', '订阅', '额度'),
    'crash_words': ('crash', 'restart', '崩溃', '闪退', '重启'),
    'app_fails_words': ('load', 'error', 'bug', 'exception', '加载'),
    'account_removed_words': ('删号', '黑名单', '风控', 'blacklist', 'black-listed'),
    'zerogpu_words': ('zerogpu', 'zero gpu'),
    'gpu_capacity_words': ('gpu', 'queue'),
    'bad_gateway': ('502', 'bad gateway'),
    'loading_forever': ('loading', 'starting'),
    'error_on_use': ('when i',),
    'pause_denied': ('pause', '暂停'),
    'running_but_not_serving': ('running',),
    'account_wide': ('all my', 'all of my', 'both', 'organization', 'org and', '所有'),
    'http_503': ('503',),
    'container_log_error': ('log', 'after', 'success'),
    'platform_down_words': ('downtime', 'outage', 'maintenance', '維護', '维护中', '宕机'),
    'commits_pushed': ('push', 'commit', 'rebuil', '提交', '推送', '重新构建'),
    'duplicated': ('duplicat', 'fork', '复制'),
    'visitor_words': ('your', 'demo', '你们的', '作者的'),
    'owner_words': ('my', 'i ', "i'", '我的', '我部署', '我创建'),
}

# Plural Spaces failing together ("Streamlit spaces … are not loading"), not "my Spaces".
_SPACES_FAILING_RE = re.compile(
    r"\bspaces\b[^.\n]{0,80}?\b(?:are|were|all)\b[^.\n]{0,20}?(?:not loading|down|broken|failing|not working|unavailable|stuck)", _I
)
_MY_RE = re.compile(r"\b(?:my|our|both)\b", _I)


# Identifiers the words must not be read in: a Space named `vnc-desktop` says nothing about VNC.
# Separate patterns, each run only when its literal anchor occurs (an alternation would be tried at every index).
_URL_RE = re.compile(r"https?://[^\s<>()\[\]\"'`]{1,500}", _I)
_HUB_PATH_RE = re.compile(r"(?:hf\.co|huggingface\.co)/[^\s<>()\[\]\"'`]{1,500}", _I)
_HOST_LABEL_RE = re.compile(r"[\w.\-]{1,200}$")  # read backwards from ".hf.space"
_HOST_SUFFIX = ".hf.space"
_PATH_RE = re.compile(r"/[\w.\-]{1,100}(?:/[\w.\-]{1,100}){1,29}/?")  # starts with a literal: re skips ahead fast
_PATH_AFTER = frozenset(" \t\n'\"`([{=,:;<>")  # a path stands alone, not `a/b/c` or inside a word
# A line that adds something to the Space: a Dockerfile instruction or an install command.
_BUILD_LINE_RE = re.compile(
    r"^\s{0,8}(?:RUN|COPY|ADD|FROM|CMD|ENTRYPOINT)\s|\b(?:pip3? install|apt(?:-get)? install|npm install|wget|curl -\w)\b",
    re.MULTILINE)
NEAR_LINES = 2  # "added" may be said a line or two away: "COPY … cloudflared" / "一写进dockerfile就…停掉了"
# The person says they added/installed/wrote it (the only grounds for "right after adding X").
_ADDED_RE = re.compile(
    r"\b(?:add(?:s|ed|ing)?|install(?:s|ed|ing)?|wrote|written|writ(?:e|es|ing)|put|set ?up|setting up|"
    r"enabl(?:e|ed|es|ing)|integrat\w{0,5}|includ\w{1,4}|bundl\w{1,4})\b|加了|加入|添加|安装|装了|写进|写入|写了", _I)
_USES_RE = re.compile(r"\b(?:us(?:e|es|ed|ing)|run(?:s|ning)?|host(?:s|ed|ing)?|launch\w{0,3}|deploy\w{0,3})\b|用|跑", _I)
_TOOL_CODE = "policy_sensitive_tool"
# Words just before the tool that say the person does not use it ("NOT using any proxy", "no tunnel", "没有用代理").
_DENIED_RE = re.compile(r"\b(?:not|never|no|don['’]t|doesn['’]t|didn['’]t|isn['’]t|without)\b[^.\n,;]{0,25}$|(?:没有|没|不|从不)[^。\n]{0,6}$", _I)


# The banners people retype rather than paste ("Runtim error", "buid error", "bulding for hours"): one typo per
# word is forgiven. Fuzzy matching costs more than exact, so it runs only on the start (a title, a short post)
# and only when the exact pattern found nothing.
FUZZY_SCAN = 600
_FUZZY: dict[str, regex.Pattern[str]] = {
    code: regex.compile(pattern, regex.BESTMATCH)
    for code, pattern in (
        ("runtime_error_banner", r"(?<![a-z])(?:runtime){e<=1}[ _]?(?:error){e<=1}(?![a-z])"),
        ("build_error_banner", r"(?<![a-z])(?:build){e<=1}[ _]?(?:error){e<=1}(?![a-z])"),
        ("stuck_building", r"\b(?:stuck){e<=1} (?:in |on |at )?(?:building){e<=1}\b|\b(?:building){e<=1} (?:forever|for hours|for days)\b"),
    )
}


def find_symptoms(text: str, identifiers: Iterable[str] = ()) -> list[Finding]:
    """Symptom Findings in `text`; URLs, `*.hf.space` hosts and the given `identifiers` (the Space ids the
    message names) are blanked first, so no symptom or policy word is read inside a name."""
    scan = _blank_identifiers(text, identifiers)
    low = scan.lower()
    by_line = len(low) == len(scan)  # lower() kept every index: anchors locate lines in `scan` too
    out: list[Finding] = []
    for code, bucket, weight, pattern in _SYMPTOMS:
        if code == _TOOL_CODE:
            out.extend(_policy_tool(text, scan, low, pattern, by_line))
            continue
        if by_line:
            # detect on the lowercased text (fast), then take the original-case match for quotes and facts
            m = _search_near(_LOWERCASE_PATTERNS[code], low, low, _ANCHORS[code])
            if m is not None:
                line_end = low.find("\n", m.start())
                m = pattern.match(scan, m.start(), len(low) if line_end == -1 else line_end) or m
        else:
            m = pattern.search(scan) if any(a in low for a in _ANCHORS[code]) else None
        if m is None or (bucket is B.MODERATION_LOCK and denied(scan, m.start())):
            continue
        facts = {k: v for k, v in m.groupdict().items() if v}
        out.append(Finding(code, bucket, weight, sentence_at(text, m.start()), "text", facts))
    found = {f.code for f in out}
    for code, pattern in _FUZZY.items():
        if code not in found and (m := pattern.search(low, 0, FUZZY_SCAN)) is not None:
            bucket, weight = _BY_CODE[code]
            out.append(Finding(code, bucket, weight, sentence_at(text, m.start()), "text"))
    m = _search_near(_SPACES_FAILING_RE, scan, low, ("spaces",)) if by_line else _SPACES_FAILING_RE.search(scan)
    if m and not _MY_RE.search(scan, max(0, m.start() - 30), m.end()):
        out.append(Finding("many_spaces_failing", B.PLATFORM_INCIDENT, 1.4, sentence_at(text, m.start()), "text"))
    return out


def _blank_identifiers(text: str, identifiers: Iterable[str]) -> str:
    """`text` with URLs, hosts and identifiers replaced by spaces of the same length (indices stay valid)."""
    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    low = text.lower()
    scan = _URL_RE.sub(blank, text) if "://" in text else text
    if "hf.co/" in low or "huggingface.co/" in low:
        scan = _HUB_PATH_RE.sub(blank, scan)
    pieces, done = [], 0  # one pass: a flood of hosts must not copy the text once per host
    pos = low.find(_HOST_SUFFIX)
    while pos != -1:
        label = _HOST_LABEL_RE.search(scan, max(done, pos - 200), pos)
        start = label.start() if label else pos
        end = pos + len(_HOST_SUFFIX)
        pieces += [scan[done:start], " " * (end - start)]
        done = end
        pos = low.find(_HOST_SUFFIX, end)
    if pieces:
        scan = "".join(pieces) + scan[done:]
    if "/" in scan:
        scan = _PATH_RE.sub(lambda m: blank(m) if m.start() == 0 or scan[m.start() - 1] in _PATH_AFTER else m.group(0), scan)
    for ident in identifiers:
        if ident and ident in scan:
            scan = scan.replace(ident, " " * len(ident))
    return scan


def _policy_tool(text: str, scan: str, low: str, pattern: re.Pattern[str], by_line: bool) -> list[Finding]:
    """A tunnel/proxy/remote-desktop tool named outside identifiers, and how the person relates to it.

    `context` is "added" (a Dockerfile/install line, or "added"/"installed"/"写进", in its line or up to
    NEAR_LINES away), "uses" ("I use ngrok", same line), "mentioned", or "denied" ("I'm NOT using any
    proxy"); only "added" lets the reply say the Space stopped after adding it.
    """
    best: tuple[int, re.Match[str], str] | None = None
    rank = {"added": 2, "uses": 1, "mentioned": 0, "denied": -1}
    lines = _anchor_lines(low, _ANCHORS[_TOOL_CODE]) if by_line else [(0, len(scan))]
    for start, end in lines:
        m = pattern.search(scan, start, end)
        if m is None:
            continue
        near_start, near_end = _around(scan, start, end, NEAR_LINES)
        if _DENIED_RE.search(scan, max(start, m.start() - 40), m.start()):
            context = "denied"
        elif _BUILD_LINE_RE.search(scan, near_start, near_end) or _ADDED_RE.search(scan, near_start, near_end):
            context = "added"
        elif _USES_RE.search(scan, start, end):
            context = "uses"
        else:
            context = "mentioned"
        if best is None or rank[context] > rank[best[2]]:
            best = (start, m, context)
    if best is None:
        return []
    _, m, context = best
    quote = sentence_at(text, m.start())
    return [Finding(_TOOL_CODE, B.MODERATION_LOCK, 0.8, quote, "text", {"tool": m["tool"], "context": context})]


def _around(text: str, start: int, end: int, lines: int) -> tuple[int, int]:
    """The span of the line [start, end) widened by `lines` lines on each side."""
    for _ in range(lines):
        if start > 0:
            start = text.rfind("\n", 0, start - 1) + 1
        nxt = text.find("\n", end + 1)
        end = len(text) if nxt == -1 else nxt
    return start, end


def _anchor_lines(low: str, anchors: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of every line holding an anchor, in text order."""
    lines: set[tuple[int, int]] = set()
    for anchor in anchors:
        pos = low.find(anchor)
        while pos != -1:
            start = low.rfind("\n", 0, pos) + 1
            end = low.find("\n", pos)
            end = len(low) if end == -1 else end
            lines.add((start, end))
            pos = low.find(anchor, end)
    return sorted(lines)


def _search_near(pattern: re.Pattern[str], text: str, low: str, anchors: tuple[str, ...]) -> re.Match[str] | None:
    """The first match within a line that holds an anchor (symptom phrases never span lines).

    Regex alternations scan slowly; `str.find` for the anchors is C-fast, so the regex only runs on
    the few lines that can match.
    """
    for start, end in _anchor_lines(low, anchors):
        m = pattern.search(text, start, end)
        if m is not None:
            return m
    return None
