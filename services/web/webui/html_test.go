package webui_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The helpers below read pages the way a browser does (entities decoded),
// for assertions about structure; the contract's exact strings are checked
// on the raw bytes instead.

func parse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func element(tag string, attrs ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.Data != tag {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if !hasAttrWord(n, attrs[i], attrs[i+1]) {
				return false
			}
		}
		return true
	}
}

func hasAttrWord(n *html.Node, key, word string) bool {
	for _, f := range strings.Fields(attr(n, key)) {
		if f == word {
			return true
		}
	}
	return attr(n, key) == word
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text is the visible text of n with runs of white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func title(t *testing.T, body string) string {
	t.Helper()
	ts := findAll(parse(t, body), element("title"))
	if len(ts) != 1 {
		t.Fatalf("%d <title> elements", len(ts))
	}
	return text(ts[0])
}

type link struct{ Text, Href string }

// navLinks are the links of the navigation bar.
func navLinks(t *testing.T, body string) []link {
	t.Helper()
	var out []link
	for _, nav := range findAll(parse(t, body), element("nav", "class", "navigation")) {
		for _, a := range findAll(nav, element("a")) {
			out = append(out, link{text(a), attr(a, "href")})
		}
	}
	return out
}

// shown is one message as a timeline displays it.
type shown struct {
	Author, AuthorHref, Avatar, Text, Time string
}

func timeline(t *testing.T, body string) []shown {
	t.Helper()
	lists := findAll(parse(t, body), element("ul", "class", "messages"))
	if len(lists) != 1 {
		t.Fatalf("%d message lists on the page:\n%s", len(lists), body)
	}
	var out []shown
	for _, li := range findAll(lists[0], element("li")) {
		if hasAttrWord(li, "class", "empty") {
			continue
		}
		var s shown
		if as := findAll(li, element("a")); len(as) > 0 {
			s.Author, s.AuthorHref = text(as[0]), attr(as[0], "href")
		}
		if imgs := findAll(li, element("img")); len(imgs) > 0 {
			s.Avatar = attr(imgs[0], "src")
		}
		if ts := findAll(li, element("span", "class", "text")); len(ts) > 0 {
			s.Text = text(ts[0])
		}
		if ts := findAll(li, element("time")); len(ts) > 0 {
			s.Time = text(ts[0])
		}
		out = append(out, s)
	}
	return out
}

func texts(msgs []shown) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

// olderLink is the href of the "older messages" link, or "".
func olderLink(t *testing.T, body string) string {
	t.Helper()
	for _, a := range findAll(parse(t, body), element("a", "rel", "next")) {
		return attr(a, "href")
	}
	return ""
}

// formFields lists the names of the inputs of the form posting to action, in page order.
func formFields(t *testing.T, body, action string) []string {
	t.Helper()
	var names []string
	for _, f := range findAll(parse(t, body), element("form", "action", action)) {
		for _, in := range findAll(f, element("input")) {
			if n := attr(in, "name"); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}

// fieldValue is the value attribute of the input named name.
func fieldValue(t *testing.T, body, name string) string {
	t.Helper()
	for _, in := range findAll(parse(t, body), element("input", "name", name)) {
		return attr(in, "value")
	}
	t.Fatalf("no input named %q", name)
	return ""
}

// buttons lists, for each form with a submit control, its action and label.
func buttons(t *testing.T, body string) []link {
	t.Helper()
	var out []link
	for _, f := range findAll(parse(t, body), element("form")) {
		for _, b := range findAll(f, element("button")) {
			out = append(out, link{text(b), attr(f, "action")})
		}
		for _, in := range findAll(f, element("input", "type", "submit")) {
			out = append(out, link{attr(in, "value"), attr(f, "action")})
		}
	}
	return out
}
