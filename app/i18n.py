"""Every interface string in Turkish and English, and the choice of language."""

from __future__ import annotations

LANGUAGES = ("tr", "en")
DEFAULT_LANGUAGE = "en"

# JavaScript run in the browser on page load: ["tr"] when the browser prefers Turkish, else ["en"].
BROWSER_LANGUAGE_JS = """() => {
    const tag = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return [tag.toLowerCase().startsWith("tr") ? "tr" : "en"];
}"""

STRINGS: dict[str, dict[str, str]] = {
    "title": {"tr": "## kentrag — belgelerle sohbet", "en": "## kentrag — chat with the documents"},
    "intro": {
        "tr": "Belgeler hakkında Türkçe ya da İngilizce sorun; her yanıt kaynaklarını [n] ile gösterir.",
        "en": "Ask about the documents in Turkish or English; every answer shows its sources with [n].",
    },
    "tab_chat": {"tr": "Sohbet", "en": "Chat"},
    "tab_documents": {"tr": "Belgeler", "en": "Documents"},
    "tab_settings": {"tr": "Ayarlar", "en": "Settings"},
    "chat_label": {"tr": "Sohbet", "en": "Conversation"},
    "chat_placeholder": {
        "tr": "**Belgeler hakkında bir soru sorun** ya da aşağıdaki örneklerden birine tıklayın.",
        "en": "**Ask a question about the documents** or click one of the examples below.",
    },
    "question": {"tr": "Sorunuz", "en": "Your question"},
    "question_hint": {"tr": "Türkçe ya da İngilizce yazın ve Enter'a basın",
                      "en": "Type in Turkish or English and press Enter"},
    "send": {"tr": "Sor", "en": "Ask"},
    "clear": {"tr": "Yeni sohbet", "en": "New chat"},
    "sources": {"tr": "Kaynaklar", "en": "Sources"},
    "sources_empty": {
        "tr": "Bir yanıtın kaynakları burada, alıntılanan cümle vurgulanmış olarak görünür.",
        "en": "The sources of an answer appear here, with the quoted sentence highlighted.",
    },
    "sources_none": {
        "tr": "Bu yanıtın kaynağı yok: belgelerde soruyu yanıtlayan bir bölüm bulunamadı.",
        "en": "No sources for this answer: no passage in the documents answers the question.",
    },
    "whole_passage": {"tr": "Bölümün tamamı", "en": "Whole passage"},
    "score": {"tr": "skor {score} · anlam {dense} · en yakın cümle {sentence} · anahtar sözcük {keyword}",
              "en": "score {score} · dense {dense} · best sentence {sentence} · keyword {keyword}"},
    "thinking": {"tr": "Belgelere bakılıyor…", "en": "Searching the documents…"},
    "bad_empty": {"tr": "Lütfen bir soru yazın.", "en": "Please type a question."},
    "bad_too_long": {
        "tr": "Soru çok uzun: en çok {limit} karakter olabilir (sizinki {length}). Lütfen kısaltın.",
        "en": "The question is too long: at most {limit} characters (yours has {length}). Please shorten it.",
    },
    "bad_no_words": {
        "tr": "Soruda harf ya da rakam yok; lütfen sorunuzu sözcüklerle yazın.",
        "en": "The question has no letters or digits; please ask it in words.",
    },
    "failed": {
        "tr": "Bu soru yanıtlanırken bir hata oluştu ({error}). Lütfen yeniden deneyin.",
        "en": "Something went wrong while answering ({error}). Please try again.",
    },
    "documents_intro": {
        "tr": "Dizindeki belgeler. Yeni belge yükleyin (txt, md, html, pdf, docx; en çok {max_mb} MB); "
              "yüklenen belge hemen sorulabilir.",
        "en": "The indexed documents. Upload new ones (txt, md, html, pdf, docx; up to {max_mb} MB); "
              "an uploaded document can be asked about right away.",
    },
    "col_title": {"tr": "Başlık", "en": "Title"},
    "col_language": {"tr": "Dil", "en": "Language"},
    "col_chunks": {"tr": "Parça", "en": "Chunks"},
    "col_added": {"tr": "Eklenme", "en": "Added"},
    "col_file": {"tr": "Dosya", "en": "File"},
    "col_uploaded": {"tr": "Yüklenen", "en": "Uploaded"},
    "yes": {"tr": "evet", "en": "yes"},
    "no": {"tr": "hayır", "en": "no"},
    "upload": {"tr": "Belge yükle", "en": "Upload documents"},
    "upload_reading": {"tr": "Dosyalar okunuyor", "en": "Reading the files"},
    "upload_indexing": {"tr": "Dizine ekleniyor: {detail}", "en": "Indexing: {detail}"},
    "upload_added": {"tr": "Dizine eklendi: {names}", "en": "Added to the index: {names}"},
    "upload_nothing": {"tr": "Eklenen belge yok.", "en": "No document was added."},
    "upload_failed": {"tr": "Eklenemedi — {name}: {reason}", "en": "Not added — {name}: {reason}"},
    "reason_too_large": {"tr": "dosya çok büyük ({size} MB; sınır {limit} MB)",
                         "en": "file too large ({size} MB; the limit is {limit} MB)"},
    "reason_unsupported": {"tr": "desteklenmeyen dosya türü ({suffix}); desteklenenler: {supported}",
                           "en": "unsupported file type ({suffix}); supported: {supported}"},
    "reason_name_taken": {"tr": "bu adla yüklenmemiş bir belge zaten dizinde; dosyayı yeniden adlandırın",
                          "en": "a document with this name, not an upload, is already indexed; rename the file"},
    "reason_unreadable": {"tr": "okunamadı: {detail}", "en": "unreadable: {detail}"},
    "busy": {
        "tr": "Şu anda başka bir içe aktarma sürüyor; bittiğinde yeniden deneyin.",
        "en": "Another ingest is running right now; please try again when it has finished.",
    },
    "library_failed": {"tr": "İşlem yapılamadı ({error}).", "en": "That did not work ({error})."},
    "remove_choice": {"tr": "Kaldırılacak belge", "en": "Document to remove"},
    "remove": {"tr": "Kaldır", "en": "Remove"},
    "removed": {"tr": "Kaldırıldı: {doc}", "en": "Removed: {doc}"},
    "remove_missing": {"tr": "Bu belge dizinde yok: {doc}", "en": "Not in the index: {doc}"},
    "remove_none": {"tr": "Önce bir belge seçin.", "en": "Choose a document first."},
    "top_k": {"tr": "Getirilecek bölüm sayısı (top-k)", "en": "Passages to retrieve (top-k)"},
    "generator": {"tr": "Yanıt üreteci", "en": "Answer generator"},
    "show_scores": {"tr": "Getirme skorlarını göster", "en": "Show retrieval scores"},
}


def text(key: str, language: str, **values: object) -> str:
    """The string `key` in `language` (English when unknown), with `values` filled in."""
    entry = STRINGS[key]
    template = entry.get(language, entry[DEFAULT_LANGUAGE])
    return template.format(**values) if values else template


def pick_language(value: str | None) -> str:
    """A supported interface language from a browser tag or toggle value ("tr-TR" → "tr")."""
    tag = (value or "").strip().lower()
    return next((language for language in LANGUAGES if tag.startswith(language)), DEFAULT_LANGUAGE)
