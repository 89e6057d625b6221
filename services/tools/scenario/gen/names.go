package gen

// Name parts mix scripts, diacritics, apostrophes, hyphens and dots because
// usernames travel in the URL path and in JSON, where each of these has
// broken real implementations. Parts never contain '/', '?', '#' or '%':
// those are legal but the simulator's own data never has them, and a replay
// should measure the service, not argue about proxies decoding %2F.
var firstNames = []string{
	"Roger", "Zoë", "Óscar", "Mary Ann", "Jean-Luc", "Søren", "Ægir", "Björk",
	"François", "Małgorzata", "Jürgen", "Chloé", "Siân", "Ngozi", "José",
	"Dương", "Şebnem", "Łukasz", "Ève", "Ingrid", "Nuño", "Aoife", "Zoltán",
	"Renée", "D'Arcy", "Anne-Marie", "J. R.", "Ολυμπία", "Дмитрий", "Анна",
	"محمد", "שרה", "राहुल", "さくら", "李", "김", "Thandiwe", "Kai", "Élodie",
	"Ólafur", "Ştefan", "Pål", "Åsa", "Niamh", "Tomás", "Ryō", "Émilie", "Bob",
	"Alice", "Kristjan", "Chinedu", "Ayşe", "Ivan", "Lars", "Mette", "Quỳnh",
}

var lastNames = []string{
	"Histand", "Ångström", "O'Brien", "Picard", "Kierkegaard", "Guðmundsdóttir",
	"Müller", "Brzęczyszczykiewicz", "Nguyễn", "Dupont-Moretti", "van der Berg",
	"de la Cruz", "Øvergaard", "Çelik", "Smith", "Σαμαρά", "Достоевский",
	"Ковальчук", "العلي", "כהן", "शर्मा", "田中", "小龍", "민준", "Okafor",
	"Ó Súilleabháin", "MacGowan", "St. John", "Jørgensen", "Ibáñez", "Weiß",
	"Nakamura", "Kowalczyk", "Åberg", "Eriksdóttir", "Lefèvre", "Hämäläinen",
	"Dvořák", "Ferreira", "Mbeki", "Þórsson", "Yılmaz", "Papadopoulos", "Lee",
}

// Email domains include an internationalised one: the API only checks for
// '@', and the web UI must show the address back unchanged.
var emailDomains = []string{
	"example.com", "example.org", "mail.example.net", "itu.dk", "exämple.de",
}

// Fixed passwords go to the first users so every scenario, however short,
// carries the hardest cases.
var fixedPasswords = []string{
	`pa"ss\w[0]rd'{}`,
	`\\server\share`,
	`"; DROP TABLE users; --`,
	`<script>alert('pw')</script>`,
	`{"pwd": "nested"}`,
	`päß wört ✓ with spaces`,
	`%s %d %n \u0000`,
}

const passwordChars = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789" +
	`"'\[]{}()<>!@#$%^&*-_=+;:,./?|~` + "`"
