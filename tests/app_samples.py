"""Documents the app tests upload: facts that are not in the corpus, and one full of HTML."""

PARK_NAME = "Kocaeli akıllı park.md"
PARK = (
    "# Kocaeli Akıllı Park Projesi\n\nKocaeli Büyükşehir Belediyesi'nin akıllı park projesinde İzmit'teki "
    "otoparklara 1.347 sensör yerleştirildi. Projenin yöneticisi Zeynep Karaosmanoğlu'dur.\n"
)
PARK_QUESTION = "Kocaeli akıllı park projesinde kaç sensör yerleştirildi?"
PARK_FACT = "1.347 sensör"

XSS_NAME = "xss.txt"
XSS = (
    '<img src=x onerror="window.__xss=1"> Gizli otopark raporu\n\n'
    "Gizli otopark raporuna göre Gebze otoparkının erişim kodu QX-7731'dir <script>window.__xss=2</script> "
    "ve bu kod her ay değişir.\n"
)
XSS_QUESTION = "Gebze otoparkının erişim kodu nedir?"
