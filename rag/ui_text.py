"""Interface strings of the chat app, in Vietnamese and English.

Only the app's own labels live here; answers, refusals and library error
messages come from the pipeline in the language of the question.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

Language = Literal["vi", "en"]

LANGUAGE_CHOICES: tuple[tuple[str, str], ...] = (("Tiếng Việt", "vi"), ("English", "en"))

EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "Từ Sơn lựa chọn những nội dung đột phá nào từ năm 2021?",
    "Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?",
    "Thu nhập bình quân đầu người của phường Phù Chẩn đạt bao nhiêu?",
    "What breakthroughs did Từ Sơn choose in 2021?",
    "How many land-use violations did Từ Sơn fine?",
)

_VI = {
    "page_title": "Trợ lý tra cứu báo cáo",
    "header": "## Trợ lý tra cứu báo cáo\n"
    "Đặt câu hỏi bằng tiếng Việt hoặc tiếng Anh. Câu trả lời chỉ dựa trên các báo cáo đã nạp; "
    "bấm vào số trích dẫn **[1]** để xem đoạn văn gốc được tô sáng.",
    "language": "Ngôn ngữ giao diện",
    "tab_chat": "Hỏi đáp",
    "tab_documents": "Tài liệu",
    "chat_label": "Hội thoại",
    "chat_placeholder": "Câu trả lời sẽ hiện ở đây, kèm số trích dẫn dẫn tới đoạn văn gốc.",
    "question_label": "Câu hỏi",
    "question_placeholder": "Nhập câu hỏi về các báo cáo rồi nhấn Enter…",
    "send": "Gửi",
    "stop": "Dừng",
    "new_conversation": "Cuộc hội thoại mới",
    "examples": "Câu hỏi mẫu (bấm để hỏi)",
    "sources_label": "Nguồn trích dẫn",
    "sources_empty": "Các đoạn văn được dùng để trả lời sẽ hiện ở đây.",
    "sources_searching": "Đang tìm đoạn văn liên quan…",
    "sources_heading": "Nguồn cho câu hỏi: {question}",
    "sources_none": "Không tìm thấy đoạn văn nào.",
    "related_heading": "Có thể liên quan (không đủ để trả lời): {question}",
    "earlier_heading": "Câu hỏi trước: {question}",
    "page": "trang {page}",
    "cited": "được trích dẫn",
    "generating": "Đang soạn câu trả lời…",
    "stopped": "(đã dừng)",
    "unverified_badge": "⚠ Chưa kiểm chứng được trích dẫn — hãy đối chiếu với nguồn trước khi dùng.",
    "read_as": "Câu hỏi được hiểu là: “{question}”",
    "unverified_citation": "Trích dẫn này chưa được kiểm chứng",
    "refused_badge": "Các đoạn có thể liên quan được liệt kê ở khung Nguồn trích dẫn bên cạnh.",
    "error_index_missing": "Chưa có chỉ mục tài liệu. Hãy thêm tài liệu ở thẻ **Tài liệu** "
    "hoặc chạy lệnh `rag ingest`, rồi hỏi lại.",
    "error_prefix": "Không thể trả lời: {message}",
    "error_unexpected": "Đã xảy ra lỗi ngoài dự kiến khi trả lời. Vui lòng thử lại; "
    "nếu lỗi lặp lại, hãy báo cho quản trị viên (chi tiết đã được ghi vào nhật ký).",
    "documents_heading": "### Tài liệu đã lập chỉ mục",
    "documents_table": "Danh sách tài liệu",
    "col_title": "Tiêu đề",
    "col_file": "Tệp",
    "col_chunks": "Số đoạn",
    "col_indexed": "Ngày lập chỉ mục",
    "documents_none": "Chưa có tài liệu nào trong chỉ mục.",
    "refresh": "Làm mới danh sách",
    "upload_heading": "### Thêm tài liệu",
    "upload_label": "Chọn tệp ({extensions}; tối đa {max_mb:g} MB mỗi tệp)",
    "upload_button": "Thêm và lập chỉ mục",
    "upload_none": "Chưa chọn tệp nào.",
    "remove_heading": "### Xoá tài liệu",
    "remove_label": "Tài liệu cần xoá",
    "remove_button": "Xoá tài liệu",
    "remove_none": "Hãy chọn một tài liệu để xoá.",
    "remove_done": "Đã xoá **{title}** khỏi thư mục tài liệu và khỏi chỉ mục.",
    "ingest_progress": "Đang lập chỉ mục",
    "ingest_summary": "**Kết quả lập chỉ mục** ({seconds:.1f} giây): thêm mới {added}, cập nhật {updated}, "
    "không đổi {unchanged}, lỗi {failed}.",
    "ingest_added": "Thêm mới",
    "ingest_updated": "Cập nhật",
    "ingest_failed": "Lỗi",
    "ingest_rejected": "Không nhận",
    "ingest_saved": "Đã lưu",
    "reject_extension": "loại tệp {extension} không được hỗ trợ (chỉ nhận {allowed})",
    "reject_size": "tệp {size_mb:.1f} MB vượt giới hạn {max_mb:g} MB",
    "reject_empty": "tệp rỗng",
    "error_documents": "Không thể xử lý tài liệu: {message}",
}

_EN = {
    "page_title": "Report assistant",
    "header": "## Report assistant\n"
    "Ask in Vietnamese or English. Answers are drawn only from the indexed reports; "
    "click a citation number **[1]** to see the original passage highlighted.",
    "language": "Interface language",
    "tab_chat": "Chat",
    "tab_documents": "Documents",
    "chat_label": "Conversation",
    "chat_placeholder": "Answers appear here, with citation numbers linking to the original passages.",
    "question_label": "Question",
    "question_placeholder": "Type a question about the reports and press Enter…",
    "send": "Send",
    "stop": "Stop",
    "new_conversation": "New conversation",
    "examples": "Example questions (click to ask)",
    "sources_label": "Sources",
    "sources_empty": "The passages used for the answer will appear here.",
    "sources_searching": "Searching for relevant passages…",
    "sources_heading": "Sources for: {question}",
    "sources_none": "No passages found.",
    "related_heading": "Possibly related (not enough to answer): {question}",
    "earlier_heading": "Earlier question: {question}",
    "page": "page {page}",
    "cited": "cited",
    "generating": "Writing the answer…",
    "stopped": "(stopped)",
    "unverified_badge": "⚠ Citations could not be verified — check the sources before relying on this.",
    "read_as": "Read as: “{question}”",
    "unverified_citation": "This citation could not be verified",
    "refused_badge": "Possibly related passages are listed in the Sources panel.",
    "error_index_missing": "No document index yet. Add documents in the **Documents** tab "
    "or run `rag ingest`, then ask again.",
    "error_prefix": "Could not answer: {message}",
    "error_unexpected": "An unexpected error occurred while answering. Please try again; "
    "if it persists, tell the administrator (details were written to the log).",
    "documents_heading": "### Indexed documents",
    "documents_table": "Documents",
    "col_title": "Title",
    "col_file": "File",
    "col_chunks": "Chunks",
    "col_indexed": "Indexed",
    "documents_none": "No documents are indexed yet.",
    "refresh": "Refresh list",
    "upload_heading": "### Add documents",
    "upload_label": "Choose files ({extensions}; at most {max_mb:g} MB each)",
    "upload_button": "Add and index",
    "upload_none": "No file chosen.",
    "remove_heading": "### Remove a document",
    "remove_label": "Document to remove",
    "remove_button": "Remove document",
    "remove_none": "Choose a document to remove.",
    "remove_done": "Removed **{title}** from the documents folder and the index.",
    "ingest_progress": "Indexing",
    "ingest_summary": "**Indexing result** ({seconds:.1f} s): added {added}, updated {updated}, "
    "unchanged {unchanged}, failed {failed}.",
    "ingest_added": "Added",
    "ingest_updated": "Updated",
    "ingest_failed": "Failed",
    "ingest_rejected": "Rejected",
    "ingest_saved": "Saved",
    "reject_extension": "file type {extension} is not supported (accepted: {allowed})",
    "reject_size": "file is {size_mb:.1f} MB, over the {max_mb:g} MB limit",
    "reject_empty": "file is empty",
    "error_documents": "Could not process documents: {message}",
}

UI_TEXT = MappingProxyType({"vi": MappingProxyType(_VI), "en": MappingProxyType(_EN)})


def ui_text(language: str, key: str, **values: object) -> str:
    """Return the interface string ``key`` in ``language``, formatted with ``values``.

    Args:
        language: "vi" or "en"; anything else falls back to Vietnamese.
        key: name of the string, e.g. "send".
        **values: fields substituted with ``str.format``.
    """
    table = UI_TEXT.get(language, UI_TEXT["vi"])
    template = table[key]
    return template.format(**values) if values else template
