"""Every text kentrag shows a person, in Turkish and English: answers, fallback notes and the web app.

One table, `TEXTS[key][language]`; `{name}` fields are filled in by `phrase`. Both languages of an entry carry
the same fields (tests/core/test_texts.py).
"""

from __future__ import annotations

LANGUAGES = ("tr", "en")
DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    # --- answers (kentrag.answer) ---------------------------------------------------------------------------
    "not_found": {
        "tr": "Bu sorunun yanıtını belgelerde bulamadım.",
        "en": "I could not find the answer to this question in the documents.",
    },
    "quotes_lead": {"tr": "Belgelere göre:", "en": "According to the documents:"},
    "quotes_other_language": {
        "tr": "(Kaynak İngilizce; alıntılar özgün dilinde.)",
        "en": "(The source is in Turkish; quotes are in the original language.)",
    },
    # Why a language model's answer was replaced by quotes (Answer.fallback).
    "fallback_error": {
        "tr": "Dil modeli çalışmadı ({detail}); bunun yerine belgelerden alıntılar gösteriliyor.",
        "en": "The language model failed ({detail}); showing quotes from the documents instead.",
    },
    "fallback_unsupported": {
        "tr": "Dil modelinin yanıtında alıntılanan cümlelerde geçmeyen bir ad ya da sayı vardı ({facts}); "
              "yalnızca alıntılar gösteriliyor.",
        "en": "The language model's answer had a name or number that is not in the quoted sentences ({facts}); "
              "showing only the quotes.",
    },
    # Where a cited passage is in a paged document (PDF page, slide, sheet): the CLI and the sources panel.
    "page": {"tr": "s. {page}", "en": "p. {page}"},
    "pages": {"tr": "s. {first}–{last}", "en": "p. {first}–{last}"},
    # The answer language as the (English) prompt of a language model names it.
    "prompt_language": {"tr": "Turkish", "en": "English"},
    # --- the web app (kentrag.app) ----------------------------------------------------------------------------
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
    # A refused answer's closest passages (Answer.related), with the sentence that came nearest.
    "related": {"tr": "İlgili, ama yanıt değil", "en": "Related, but not an answer"},
    "related_note": {
        "tr": "Bu bölümler soruyla ilgili, ancak hiçbir cümlesi soruyu yanıtlamıyor; en yakın cümle vurgulandı.",
        "en": "These passages are about the question, but no sentence in them answers it; the nearest is "
              "highlighted.",
    },
    # The selector's probability that a cited sentence answers the question (Citation.support).
    "support": {"tr": "destek {support}", "en": "support {support}"},
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
        "tr": "Dizindeki belgeler. Yeni belge yükleyin (txt, md, html, pdf — taranmış olanlar da —, docx, xlsx, "
              "pptx, odt; en çok {max_mb} MB) ya da bir web sayfasının adresini girin; eklenen belge hemen "
              "sorulabilir.",
        "en": "The indexed documents. Upload new ones (txt, md, html, pdf — scanned ones too —, docx, xlsx, pptx, "
              "odt; up to {max_mb} MB) or enter a web page's address; an added document can be asked about "
              "right away.",
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
    "url": {"tr": "Web sayfası ekle", "en": "Add a web page"},
    "url_hint": {"tr": "https://… adresini yapıştırın", "en": "Paste an https://… address"},
    "url_add": {"tr": "Sayfayı ekle", "en": "Add page"},
    "url_none": {"tr": "Önce bir web sayfası adresi girin.", "en": "Enter a web page's address first."},
    "url_fetching": {"tr": "Sayfa indiriliyor", "en": "Fetching the page"},
    "url_added": {"tr": "Sayfa dizine eklendi: {url}", "en": "Page indexed: {url}"},
    "url_unchanged": {"tr": "Sayfa son indirildiğinden beri değişmemiş: {url}",
                      "en": "The page has not changed since it was last fetched: {url}"},
    "url_failed": {"tr": "Sayfa eklenemedi — {url}: {reason}", "en": "Page not added — {url}: {reason}"},
    "remove_choice": {"tr": "Kaldırılacak belge", "en": "Document to remove"},
    "remove": {"tr": "Kaldır", "en": "Remove"},
    "removed": {"tr": "Kaldırıldı: {doc}", "en": "Removed: {doc}"},
    "remove_missing": {"tr": "Bu belge dizinde yok: {doc}", "en": "Not in the index: {doc}"},
    "remove_none": {"tr": "Önce bir belge seçin.", "en": "Choose a document first."},
    "top_k": {"tr": "Getirilecek bölüm sayısı (top-k)", "en": "Passages to retrieve (top-k)"},
    "generator": {"tr": "Yanıt üreteci", "en": "Answer generator"},
    "show_scores": {"tr": "Getirme skorlarını göster", "en": "Show retrieval scores"},
}


def phrase(key: str, language: str, **fields: object) -> str:
    """The text `key` in `language` (English for a language it does not have), with `fields` filled in."""
    entry = TEXTS[key]
    template = entry.get(language, entry[DEFAULT_LANGUAGE])
    return template.format(**fields) if fields else template


def every_language(key: str) -> tuple[str, ...]:
    """The text `key` in each language, as written (for recognising it in any language)."""
    return tuple(TEXTS[key][language] for language in LANGUAGES)
