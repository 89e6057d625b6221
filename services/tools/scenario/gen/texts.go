package gen

// Tweet fragments: plain ASCII alongside the characters the contract calls
// out (typographic quotes, em dashes, emoji) and text that must come back
// verbatim rather than HTML-escaped or interpreted.
var tweetFragments = []string{
	"Just setting up my minitwit.",
	"Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
	"Coffee first, then code.",
	"Deploy went fine. Nothing is on fire.",
	"He said “it works on my machine” — and it did.",
	"It’s not a bug, it’s a feature.",
	"‘Single’ and “double” typographic quotes.",
	"Em dash — en dash – hyphen - minus −.",
	"Emoji time 🎉🚀🐳 and a family 👨‍👩‍👧 and a flag 🇩🇰.",
	"Skin tones: 👍🏽 👋🏿",
	"<b>html</b> should stay <i>as typed</i>.",
	`<script>alert("xss")</script>`,
	"Tom & Jerry &amp; friends &lt;3",
	`C:\Users\minitwit\Desktop\todo.txt`,
	`A literal backslash-n: \n is not a newline.`,
	`{"json": ["inside", "a tweet"], "ok": true}`,
	"100% sure that 50% of this is %s %d.",
	"Robert'); DROP TABLE messages;--",
	"Ünïcödé everywhere: naïve café, façade, jalapeño.",
	"Zürich → København → Reykjavík ✈️",
	"日本語のツイートです。",
	"中文推文，测试一下。",
	"한국어 트윗입니다.",
	"Ελληνικά: γειά σου κόσμε.",
	"Русский текст: привет, мир!",
	"עברית: שלום עולם",
	"العربية: مرحبا بالعالم",
	"हिन्दी: नमस्ते दुनिया",
	"Combining: e\u0301 vs é, n\u0303 vs ñ.",
	"Math: ∀x ∈ ℝ, x² ≥ 0 ∎",
	"Quotes in quotes: \"'nested'\" and `backticks`.",
	"Ellipsis… and non-breaking\u00a0space.",
	"Zero-width joiner\u200dhere and a soft\u00adhyphen.",
	"tabs\tand  double  spaces",
	"#hashtag @mention ?query=1&x=2 /path/like",
}

// Rare multi-line tweets check that the scenario escaping and the API both
// carry a real newline through unchanged.
var multiLineFragments = []string{
	"Line one\nline two",
	"Shopping list:\n- milk\n- “good” bread\n- 🍎",
}
