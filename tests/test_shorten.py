"""Short answers: a sentence that restates the question is cut to what it adds (real model outputs)."""

from __future__ import annotations

import unicodedata

import pytest

from rag.shorten import asked_phrase, short_answer, slot_filler, without_bare_clause

FINED_AFTER_A_YEAR = (
    "Sau hơn 1 năm triển khai thực hiện, thành phố Từ Sơn xử phạt được 61 trường hợp vi phạm đất đai [1]."
)


@pytest.mark.parametrize(
    ("question", "answer", "short"),
    [
        # The noun the question asked about stays in front ("Đội nào" → "Đội Polonia Warsaw").
        (
            "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?",
            "Đội Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000 [1].",
            "Đội Polonia Warsaw [1]",
        ),
        (
            "Thư ký LHQ nào đã học tại Harvard?",
            "Thư ký LHQ Ban Ki-moon đã học tại Harvard [1].",
            "Thư ký LHQ Ban Ki-moon [1]",
        ),
        # The question's own asking words repeated before the answer are no answer (a demo over
        # Wikipedia's Thủ Dầu Một: was "Bao xa khoảng 30 km [1]").
        (
            "Thủ Dầu Một cách Thành phố Hồ Chí Minh bao xa?",
            "Thủ Dầu Một cách Thành phố Hồ Chí Minh bao xa khoảng 30 km [1].",
            "Khoảng 30 km [1]",
        ),
        # A name ends where its capitalised words do, "Một" and "An" included (the wiki set, live:
        # were "Thành phố Thủ Dầu [1]" and "Tỉnh Nghệ [1]").
        (
            "Thành phố nào cách Thành phố Hồ Chí Minh 30 km?",
            "Thành phố Thủ Dầu Một cách Thành phố Hồ Chí Minh 30 km [1].",
            "Thành phố Thủ Dầu Một [1]",
        ),
        (
            "Năm 1976 Hà Tĩnh sáp nhập với tỉnh nào?",
            "Hà Tĩnh sáp nhập với tỉnh Nghệ An [1].",
            "Tỉnh Nghệ An [1]",
        ),
        # "chính" opens "chính trị" here, not an emphatic "itself" (XQuAD-vi, seed 2: was "Trị [1]").
        (
            "Chủ nghĩa Hồi giáo tìm kiếm loại vai trò nào khiến nó trở thành khái niệm gây tranh cãi?",
            "Chủ nghĩa Hồi giáo tìm kiếm loại vai trò chính trị để trở thành khái niệm gây tranh cãi [1].",
            "Chính trị [1]",
        ),
        # A unit written with a symbol stays with its figure, though the question names it
        # (XQuAD-vi seed 3: was "565 [1]").
        (
            "Nhiệt độ đầu vào tua-bin của tua-bin hơi nước tính bằng độ C là bao nhiêu?",
            "Nhiệt độ đầu vào tua-bin của tua-bin hơi nước là 565°C [1].",
            "565°C [1]",
        ),
        (
            "Nhiệt độ đầu vào tua-bin của tua-bin hơi nước tính bằng độ C là bao nhiêu?",
            "Nhiệt độ đầu vào tua-bin của tua-bin hơi nước là 565 °C [1].",
            "565 °C [1]",
        ),
        # "Who" of "Doctor Who" is a name's, not a question word (XQuAD-vi, seed 1: was "Who là nữ").
        (
            "Kể từ năm 2005, giới tính của người bạn đồng hành chính của Doctor Who là gì?",
            "Kể từ năm 2005, giới tính của người bạn đồng hành chính của Doctor Who là nữ [1].",
            "Nữ [1]",
        ),
        # A clause after a comma says more of the answer: it goes (XQuAD-vi, seed 0).
        (
            "Sân nhà của Polonia nằm ở đâu?",
            "Sân nhà của Polonia nằm ở Đường Konwiktorka, cách Old Town mười phút đi bộ về phía bắc [1].",
            "Đường Konwiktorka [1]",
        ),
        # So does a clause opened without a comma by "để", "sau khi", "trước khi" or "và" + "được",
        # "phải", "đã", "sẽ" (XQuAD-vi, seed 0: F1 .21 and .25 for answers holding the gold whole).
        (
            "Kỹ thuật viên dược phụ thuộc ngày càng nhiều vào điều gì?",
            "Kỹ thuật viên dược phụ thuộc ngày càng nhiều vào tự động hóa để hỗ trợ họ trong vai trò mới "
            "là giải quyết các đơn thuốc [1]",
            "Tự động hóa [1]",
        ),
        (
            "Fielding H. Garrison tin rằng khoa học địa chất có thể bắt nguồn từ đâu?",
            "Fielding H. Garrison tin rằng khoa học địa chất có thể bắt nguồn từ Ba Tư sau khi các cuộc "
            "chinh phục của người Hồi giáo chấm dứt. [1]",
            "Ba Tư [1]",
        ),
        (
            "Một giáo viên trường công tối thiểu phải có gì?",
            "Một giáo viên trường công tối thiểu phải có bằng cử nhân và phải được chứng nhận bởi "
            "tiểu bang [1].",
            "Bằng cử nhân [1]",
        ),
        # ... but not where the question asks what was done, or when: the clause is the answer.
        (
            "DECnet ban đầu đã làm gì?",
            "DECnet ban đầu đã làm gì: phát hành vào năm 1975 để kết nối hai máy tính mini PDP-11 [1].",
            "Phát hành vào năm 1975 để kết nối hai máy tính mini PDP-11 [1]",
        ),
        (
            "Quân đội rút về khi nào?",
            "Quân đội rút về sau khi hiệp ước được ký kết [1].",
            "Sau khi hiệp ước được ký kết [1]",
        ),
        # ... nor where the words before it only say the question's own ("thời điểm").
        (
            "Quân đội rút về vào thời điểm nào?",
            "Quân đội rút về vào thời điểm sau khi hiệp ước được ký kết [1].",
            "Thời điểm sau khi hiệp ước được ký kết [1]",
        ),
        (
            "Alec Shelbrooke đã đề xuất thanh toán các khoản trợ cấp bằng gì?",
            'Alec Shelbrooke đã đề xuất thanh toán các khoản trợ cấp bằng "Thẻ Tiền mặt Phúc lợi", theo '
            'kiểu của Chương trình Hỗ trợ Dinh dưỡng Bổ sung, chỉ có thể được sử dụng để mua "nhu yếu '
            'phẩm". [1]',
            '"Thẻ Tiền mặt Phúc lợi" [1]',
        ),
        (
            "Đất nước được biết đến nhờ điều gì?",
            "Đất nước được biết đến nhờ sự thống trị trong các môn điền kinh tầm trung và đường dài, đã "
            "liên tục cho ra các nhà vô địch Thế vận hội Olympic [1].",
            "Sự thống trị trong các môn điền kinh tầm trung và đường dài [1]",
        ),
        # "được" after a comma goes on describing the answer: it stays (XQuAD-vi, seed 0).
        (
            "Người ta dự định ý nghĩa bổ sung nào khi sử dụng từ nguyên tố?",
            "Người ta dự định ý nghĩa bổ sung là bằng cách sử dụng từ nguyên tố, cụ thể là bất kỳ đối "
            "tượng nào, về cơ bản là duy nhất, được phân tách thành các thành phần nguyên tố [1].",
            "Cách sử dụng từ nguyên tố, cụ thể là bất kỳ đối tượng nào, về cơ bản là duy nhất, được phân "
            "tách thành các thành phần nguyên tố [1]",
        ),
        # A comma before a noun lists: the list stays whole.
        (
            "Các môn thể thao người Kenya chơi là gì?",
            "Các môn thể thao người Kenya chơi là cricket, đua xe ô tô, bóng đá và boxing [1].",
            "Cricket, đua xe ô tô, bóng đá và boxing [1]",
        ),
        # Only the part of the noun phrase the answer repeats in the question's order.
        (
            "Nhà nước Hồi giáo thuộc loại nhóm nào?",
            "Nhà nước Hồi giáo thuộc nhóm phiến quân cực đoan thánh chiến Wahhabi/Salafi [1].",
            "Nhóm phiến quân cực đoan thánh chiến Wahhabi/Salafi [1]",
        ),
        # After "là", the question's words belong to the answer.
        (
            "Khi chủ nghĩa đế quốc tác động đến các định chuẩn xã hội của một nước, nó được gọi là gì?",
            "Khi chủ nghĩa đế quốc tác động đến các định chuẩn xã hội của một nước, nó được gọi là "
            "chủ nghĩa đế quốc văn hóa [2].",
            "Chủ nghĩa đế quốc văn hóa [2]",
        ),
        (
            "Tên của thủ quân đã 38 tuổi trong trận Super Bowl XXXIII là gì?",
            "Tên của thủ quân đã 38 tuổi trong trận Super Bowl XXXIII là John Elway [1].",
            "John Elway [1]",
        ),
        # Linking words go ("do"), a figure keeps its "hơn", a dangling "số" goes.
        (
            "Điều gì đã khiến sàn giao dịch chứng khoán Warsaw dừng lại?",
            "Sàn giao dịch chứng khoán Warsaw dừng lại do Thế Chiến II [1].",
            "Thế Chiến II [1]",
        ),
        (
            "Tỷ lệ hộ đạt danh hiệu Gia đình văn hóa ở phường Phù Chẩn là bao nhiêu?",
            "hơn 9,23% số hộ đạt danh hiệu Gia đình văn hóa [1]",
            "Hơn 9,23% [1]",
        ),
        # "<the question's words> là X" is X, even when X is all the question asked.
        (
            "Ở Trung Quốc, người này đã suy luận rằng vùng đất này được hình thành do sự xói mòn của các "
            "ngọn núi, tên của ông là gì?",
            "Người này là Shen Kuo (1031-1095) [1].",
            "Shen Kuo (1031-1095) [1]",
        ),
        (
            "Trận chiến đầu tiên nào xảy ra năm 1754?",
            "Trận chiến đầu tiên xảy ra năm 1754 là Trận chiến Jumonville Glen năm 1754 [1].",
            "Trận chiến Jumonville Glen năm 1754 [1]",
        ),
        (
            "Đồng chí Nguyễn Công Giang giữ chức vụ gì?",
            "Nguyễn Công Giang là Phó Bí thư Thường trực Đảng ủy phường [1] (phường Phù Chẩn [1]).",
            "Phó Bí thư Thường trực Đảng ủy phường (phường Phù Chẩn) [1]",
        ),
        # "How many": the figure with its qualifier, not what the question already said.
        (
            "Trận đấu còn lại bao nhiêu giây khi đội Patriots thất bại trong việc chuyển đổi 2 điểm của họ?",
            "17 giây còn lại trên đồng hồ [1]",
            "17 [1]",
        ),
        (
            "Có bao nhiêu người chết vì bệnh dịch hạch ở Paris năm 1466?",
            "khoảng 40.000 người đã chết vì bệnh dịch hạch ở Paris [1]",
            "Khoảng 40.000 [1]",
        ),
        ("Có bao nhiêu vùng đô thị mở rộng?", "hai vùng đô thị mở rộng [1]", "Hai [1]"),
        # A quotation the answer is in stays whole, quotes included.
        (
            "Khu vực là gần Hẻm núi sông Rhine với các lâu đài từ thời trung cổ được gọi là gì?",
            "Khu vực là gần Hẻm núi sông Rhine với các lâu đài từ thời trung cổ được gọi là "
            '"Rhine lãng mạn" [1].',
            '"Rhine lãng mạn" [1]',
        ),
        # "các" belongs to the noun after it.
        (
            "Các ủy ban có thể gặp nhau ở đâu ngoài Quốc hội?",
            "Các ủy ban có thể gặp nhau ở các địa điểm khác trên khắp Scotland [1][2].",
            "Các địa điểm khác trên khắp Scotland [1][2]",
        ),
        # One of the question's words may recur inside the new stretch ("độ", "phí"), and a single one
        # after it is no restated tail ("có").
        (
            "Độ co giãn tăng trưởng của nghèo đói có thể phụ thuộc vào điều gì?",
            "Độ co giãn tăng trưởng của nghèo đói có thể phụ thuộc vào mức độ bất bình đẳng hiện có [1].",
            "Mức độ bất bình đẳng hiện có [1]",
        ),
        (
            "Ergänzungsschulen lấy kinh phí từ đâu?",
            "Ergänzungsschulen lấy kinh phí từ việc thu học phí của sinh viên [1].",
            "Việc thu học phí của sinh viên [1]",
        ),
        # A question asking its subject: what stands before the question's verb.
        (
            "Ai dẫn đầu Panthers về số lần vật ngã?",
            "Kawann Short dẫn đầu đội về số lần vật ngã (sack [1]",
            "Kawann Short [1]",
        ),
        (
            "Cầu thủ nào đã ghi điểm từ vạch 2 yard?",
            "Anderson đã ghi điểm touchdown từ lượt chơi ở vạch 2 yard [1].",
            "Anderson [1]",
        ),
        # A negation the question says too turns nothing around.
        (
            "Thành viên của các tổ chức nào không đủ điều kiện ngồi trong Quốc hội Scotland?",
            "Thành viên cảnh sát và lực lượng vũ trang không đủ điều kiện ngồi trong Quốc hội Scotland [1].",
            "Cảnh sát và lực lượng vũ trang [1]",
        ),
        # The answer opens with the question's words before its question word and fills its place
        # (a "điều" before "gì" may be missing); the question's words after it end the answer.
        (
            "Fort Caroline được đổi tên thành gì sau cuộc tấn công của Tây Ban Nha?",
            "Fort Caroline được đổi tên thành San Mateo [1].",
            "San Mateo [1]",
        ),
        (
            "Cơ quan phúc lợi của chính phủ Anh đang kiểm tra điều gì vào năm 2012?",
            "Cơ quan phúc lợi của chính phủ Anh đang kiểm tra hóa đơn Sky TV của các nguyên đơn vào năm "
            "2012 [1].",
            "Hóa đơn Sky TV của các nguyên đơn [1]",
        ),
        # A bracket the answer opens is closed, nested or not.
        (
            "Biểu thức được sử dụng để xác định bất kỳ chuỗi vấn đề đã cho nào có khả năng được giải "
            "quyết trong thời gian trên máy Turing tất định là gì?",
            "Biểu thức được sử dụng để xác định bất kỳ chuỗi vấn đề đã cho nào có khả năng được giải "
            "quyết trong thời gian trên máy Turing tất định là DTIME(f(n)) [1].",
            "DTIME(f(n)) [1]",
        ),
        # "có thể" ("can") is not part of what the answer adds.
        (
            "Luther đã nói gì với các tu sĩ nam nữ về lời thề của họ?",
            "Luther đã nói với các tu sĩ nam nữ rằng họ có thể phá vỡ lời thề [1].",
            "Phá vỡ [1]",
        ),
        # A negation inside what the answer adds is part of it.
        (
            "Bởi vì những tuyên bố nhất định, quan điểm tôn giáo của ông là gì?",
            "Quan điểm tôn giáo của ông là không chắc chắn [1].",
            "Không chắc chắn [1]",
        ),
        # An initial's dot ends no sentence.
        (
            "Fielding H. Garrison tin rằng khoa học địa chất có thể bắt nguồn từ đâu?",
            "Fielding H. Garrison tin rằng khoa học địa chất có thể bắt nguồn từ Ba Tư [1].",
            "Ba Tư [1]",
        ),
        # After "có" ("have"), "bằng" is a degree, not "by".
        (
            "Một giáo viên trường công tối thiểu phải có gì?",
            "Giáo viên trường công tối thiểu phải có bằng cử nhân [1].",
            "Bằng cử nhân [1]",
        ),
        # Nor is "rằng" ("that"): what was proposed follows it.
        (
            "Graham Twigg đề xuất điều gì về sự lây lan của bệnh?",
            "Graham Twigg đề xuất rằng nguyên nhân là một dạng bệnh than [1].",
            "Nguyên nhân là một dạng bệnh than [1]",
        ),
        (
            "What is the name of the whole-term thematic topic that the Tu Son City Party Committee is "
            "implementing?",
            "The whole-term thematic topic that the Tu Son City Party Committee is implementing is "
            '"Phát huy ý chí tự lực, tự cường và phát triển đất nước phồn vinh, hạnh phúc" [1].',
            '"Phát huy ý chí tự lực, tự cường và phát triển đất nước phồn vinh, hạnh phúc" [1]',
        ),
        # "Why": the reason, from its "vì" to a comma after which the question comes back.
        (
            "Tại sao Polonia rơi khỏi nhóm các đội hàng đầu quốc gia vào năm 2013?",
            "Polonia đã rơi khỏi nhóm các đội hàng đầu quốc gia vào năm 2013 vì tình hình tài chính "
            "thảm khốc của họ [1].",
            "Vì tình hình tài chính thảm khốc của họ [1]",
        ),
        (
            "Tại sao bộ sưu tập chủ yếu có quần áo thời trang được làm cho những dịp đặc biệt?",
            "Bộ sưu tập chủ yếu có quần áo thời trang được làm cho những dịp đặc biệt vì quần áo hàng "
            "ngày từ thời đại trước thường không còn tồn tại, bộ sưu tập chủ yếu có quần áo thời trang "
            "được làm cho những dịp đặc biệt [1].",
            "Vì quần áo hàng ngày từ thời đại trước thường không còn tồn tại [1]",
        ),
        # The question's own "bởi" ("by") is no reason word (live, seed report).
        (
            "Vì sao kinh tế xã hội của Phù Chẩn vẫn phát triển dù bị ảnh hưởng bởi dịch COVID-19?",
            "Kinh tế xã hội của Phù Chẩn vẫn phát triển dù bị ảnh hưởng bởi dịch COVID-19 là do sự "
            "đồng thuận cao của các tầng lớp nhân dân [1].",
            "Do sự đồng thuận cao của các tầng lớp nhân dân [1]",
        ),
        (
            "Why did Polonia fall out of the top national teams in 2013?",
            "Polonia fell out of the top national teams in 2013 because of its dire finances [1].",
            "Because of its dire finances [1]",
        ),
        (  # the words opening the list go with the question's (live, seed report)
            "Phường Phù Chẩn đã đạt được những kết quả gì?",
            "Phường Phù Chẩn đã đạt được những kết quả như sau: - Thu nhập bình quân đầu người đạt gần "
            "53 triệu đồng/người/năm [1] - 3/3 khu dân cư đạt danh hiệu Khu phố văn hóa [1]",
            "Thu nhập bình quân đầu người đạt gần 53 triệu đồng/người/năm - 3/3 khu dân cư đạt danh "
            "hiệu Khu phố văn hóa [1]",
        ),
        # … and so do a few words announcing a list after the cut (live, seed report: "Tốt các nội dung: …")
        (
            "Trong học tập và làm theo Bác, cán bộ đảng viên cần làm gì?",
            "Trong học tập và làm theo Bác, cán bộ đảng viên cần làm tốt các nội dung: Học tập và làm theo "
            "Bác, nêu gương của cán bộ, đảng viên [1].",
            "Học tập và làm theo Bác, nêu gương của cán bộ, đảng viên [1]",
        ),
        (
            "What are the results of Phu Chan ward?",
            "The results of Phu Chan ward are as follows: income of nearly 53 million VND [1].",
            "Income of nearly 53 million VND [1]",
        ),
        # A unit of measure stays though the question names it (live over 13 Wikipedia articles: was
        # "4470 [1]", "Khoảng 20 [1]"); a counted thing goes ("17" for "bao nhiêu giây").
        ("Sông Niger dài bao nhiêu km?", "Sông Niger dài 4470 km [1].", "4470 km [1]"),
        ("Chùa Thầy cách trung tâm Hà Nội bao nhiêu km?", "Khoảng 20 km [1]", "Khoảng 20 km [1]"),
        (
            "Khu vực bị hạn hán rộng bao nhiêu dặm vuông?",
            "Khu vực bị hạn hán rộng xấp xỉ 1.160.000 dặm vuông [1].",
            "Xấp xỉ 1.160.000 dặm vuông [1]",
        ),
        ("Trận đấu còn lại bao nhiêu giây?", "17 giây còn lại trên đồng hồ [1]", "17 [1]"),
        # "bao lâu" answered by the clause before a comma, the question said back after it (reports set:
        # the whole sentence was shown).
        (
            "Sau bao lâu triển khai thì thành phố Từ Sơn xử phạt được 61 trường hợp vi phạm đất đai?",
            FINED_AFTER_A_YEAR,
            "Sau hơn 1 năm triển khai thực hiện [1]",
        ),
        # The name before "là", the question said back after it (XQuAD-vi-holdout seeds 0, 1: whole).
        (
            "Tên của thầy tâm linh trong Ấn Độ giáo là gì?",
            "Guru trong Ấn Độ giáo được gọi là thầy tâm linh [1].",
            "Guru [1]",
        ),
        (
            "Tên của cây cầu nối với các khuôn viên qua sông Charles là gì?",
            "Cầu John W. Weeks là cây cầu dành cho người đi bộ bắc qua sông Charles nối cả hai "
            "khuôn viên [1].",
            "Cầu John W. Weeks [1]",
        ),
        # The question's words closing a compound stay: "tự miễn dịch", not "Hiện tượng tự".
        (
            "Thuật ngữ cho hệ thống miễn dịch tấn công các mô bình thường là gì?",
            "Hiện tượng tự miễn dịch là kết quả của hệ thống miễn dịch tấn công các mô bình thường [1].",
            "Hiện tượng tự miễn dịch [1]",
        ),
    ],
)
def test_a_sentence_restating_the_question_is_cut_to_its_answer(question, answer, short):
    assert short_answer(answer, question) == short


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # The new words are spread among the question's: the sentence is the answer.
        ("Tên của thầy tâm linh trong Ấn Độ giáo là gì?", "Guru trong Ấn Độ giáo được gọi là guru [1]."),
        # Many of the question's words inside: the sentence restates it around its own claim.
        (
            "Bằng chứng lục lạp có nguồn gốc từ vi khuẩn lam nội cộng sinh là gì?",
            "Việc lục lạp được bao bọc bởi một lớp màng kép thường được viện dẫn làm bằng chứng nguồn rằng "
            "chúng có nguồn gốc từ vi khuẩn lam nội cộng sinh [1].",
        ),
        # A negation would turn the short answer around.
        (
            "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?",
            "Đội Polonia Warsaw không giành giải vô địch Ekstraklasa vào năm 2000 [1].",
        ),
        ("Who won the Ekstraklasa in 2000?", "Polonia Warsaw did not win the Ekstraklasa in 2000 [1]."),
        # "How" is answered by the whole sentence.
        (
            "Tình hình an ninh chính trị ở phường Phù Chẩn như thế nào?",
            "Tình hình an ninh chính trị ở phường Phù Chẩn ổn định, trật tự an toàn xã hội đảm bảo [1].",
        ),
        # A "why" answer whose reason follows words the question does not say, or a negation it
        # does not say ("không còn ở nhóm đầu" is more than "rơi khỏi").
        (
            "Tại sao Polonia rơi khỏi nhóm các đội hàng đầu quốc gia vào năm 2013?",
            "Ban lãnh đạo mới của câu lạc bộ quyết định bán đội vì tình hình tài chính [1].",
        ),
        (
            "Tại sao Polonia rơi khỏi nhóm các đội hàng đầu quốc gia?",
            "Polonia không còn ở nhóm các đội hàng đầu quốc gia vì tình hình tài chính [1].",
        ),
        # An elliptical follow-up does not say what it asks.
        ("Còn trật tự xây dựng?", "60 trường hợp vi phạm trật tự xây dựng [3]"),
        # A sentence that barely repeats the question, two sentences, or no marker.
        ("Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?", "Tỷ lệ hộ nghèo giảm còn 0,58% [2]."),
        (
            "Các bài toán hàm thường được viết lại như thế nào?",
            "Các bài toán hàm thường được viết lại dưới dạng bài toán quyết định [1]. Điều này đúng [1].",
        ),
        ("Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?", "Đội Polonia Warsaw đã giành giải."),
        # "Người" is no one (live over Wikipedia's Ủy ban Dân tộc: was "Người [1]").
        (
            "Giai đoạn 1989-1992 ai giữ chức Trưởng Ban Dân tộc Trung ương?",
            "Người giữ chức Trưởng Ban Dân tộc Trung ương trong giai đoạn 1989-1992 là Hoàng Trường "
            "Minh [1].",
        ),
        # A figure's unit stays with it, a "/"-joined one whole; "Tỷ lệ" is no figure.
        (
            "Thu nhập bình quân đầu người ở phường Phù Chẩn hiện nay là bao nhiêu?",
            "gần 53 triệu đồng/người/năm [1]",
        ),
        ("Lượng cacbon trong rừng Amazon chiếm bao nhiêu?", "khoảng 10% năng suất sơ cấp trên mặt đất [1]"),
        # After "… là động lực để X" the words following "là" are the question's, not the answer.
        (
            "Kết quả thực hiện Kết luận số 01 là động lực để Đảng bộ thành phố Từ Sơn làm gì?",
            "Kết quả thực hiện Kết luận số 01 là động lực để Đảng bộ thành phố Từ Sơn tiếp tục nhân rộng "
            "hơn nữa việc học tập và làm theo Bác, tạo chuyển biến trong thực hiện các nhiệm vụ [1].",
        ),
        # The sentence does not go on with what the question says after "nào": its subject is not
        # the one asked about.
        (
            "Thiết bị nào được sử dụng để điều trị nhiều bệnh trạng khác nhau?",
            "Thuốc bội áp (áp suất cao) sử dụng các buồng oxi đặc biệt để tăng áp suất cục bộ của O [1]",
        ),
        # The question's noun before "nào" stays with the answer: nothing is cut.
        ("Thương hiệu xe nào được sản xuất tại Broadmeadows?", "Thương hiệu xe Ford [1]"),
        # An opening clause answers "when" or "how long" only.
        ("Thành phố Từ Sơn đã làm gì với 61 trường hợp vi phạm đất đai?", FINED_AFTER_A_YEAR),
        # Before "là" the question's subject with a word of its own, after it what the question
        # does not ask: no name said first.
        ("Thủ đô của nước Pháp là gì?", "Thủ đô hiện nay của nước Pháp là một thành phố lớn [1]."),
        # Nothing new but an adverb: the sentence only repeats the question.
        (
            "Ngoài Biển Bắc và Eo biển Ailen, còn cái gì khác bị thấp đi trong giai đoạn lạnh giá cuối cùng?",
            "Biển Bắc và Eo biển Ailen đều bị thấp đi trong giai đoạn lạnh giá cuối cùng [2].",
        ),
    ],
)
def test_answers_that_are_not_a_restated_question_stay_whole(question, answer):
    assert short_answer(answer, question) == answer


def test_decomposed_input_is_compared_as_composed():
    question = unicodedata.normalize("NFD", "Đảng nào chi phối khu vực nội thành Melbourne?")
    answer = unicodedata.normalize("NFD", "Đảng Xanh chi phối khu vực nội thành Melbourne [1].")
    assert short_answer(answer, question) == "Đảng Xanh [1]"


# Sentences quoted from XQuAD-vi paragraphs when the model's answer could not be checked.
ABC_JINGLE = (
    "Vào mùa thu năm 2015, ABC đã dừng quảng bá tiếng leng keng bốn nốt từ năm 1998-2002 và logo của "
    "công ty sản xuất sau phần danh đề kết thúc của hầu hết các chương trình."
)
TALBOT_HUGHES = (
    "Một trong những món quà trang phục quan trọng đầu tiên xuất hiện vào năm 1913 khi V&A nhận được bộ "
    "sưu tập Talbot Hughes có 1.442 trang phục và vật phẩm làm quà tặng từ Harrods sau khi trưng bày tại "
    "cửa hàng bách hóa này."
)
EU_LEGISLATION = (
    "Trong khi Ủy ban độc quyền trong việc dự thảo pháp luật, Nghị viện Châu Âu và Hội đồng Liên minh "
    "Châu Âu có quyền sửa đổi và phủ quyết trong quá trình lập pháp."
)
DEFORESTATION = (
    "Tốc độ phá rừng trung bình hàng năm từ 2000 đến 2005 (22.392 km vuông hoặc 8.646 dặm vuông mỗi năm) "
    "cao hơn 18% so với năm năm trước (19.018 km vuông hoặc 7.343 dặm vuông mỗi năm)."
)
IRAN_OIL = "Tại thời điểm đó, Iran là nước xuất khẩu dầu lớn thứ hai thế giới và là một đồng minh của Mỹ."


@pytest.mark.parametrize(
    ("sentence", "question", "phrase"),
    [
        # A range is no year: one year is left.
        (ABC_JINGLE, "ABC đã ngừng sử dụng bản nhạc bốn nốt để quảng bá vào năm nào?", "Năm 2015"),
        (
            "Jacksonville cũng chịu thiệt hại từ Cơn bão Nhiệt đới Fay năm 2008 lan rộng khắp tiểu bang.",
            "Một cơn bão nhiệt đới gây ra mất điện bốn ngày cho Jacksonville vào năm nào?",
            "Năm 2008",
        ),
        (
            "Sau những năm 1940, phong cách kiến trúc Gothic trong khuôn viên trường bắt đầu nhường chỗ.",
            "Khuôn viên trường bắt đầu trông hiện đại hơn trong thập kỷ nào?",
            "Sau những năm 1940",  # after the 1940s: the word placing it stays
        ),
        (
            "Thông báo được đưa ra một ngày sau khi Setanta Sports xác nhận rằng họ sẽ ra mắt vào tháng 3 "
            "dưới dạng dịch vụ đăng ký.",
            "Khi nào Setanta Sports nói rằng họ sẽ ra mắt dưới dạng một dịch vụ đăng ký?",
            "Tháng 3",
        ),
        # A time counted back from now answers "khi nào" (XQuAD-vi-holdout seed 2: whole sentence).
        (
            "Các nhóm hiện đại xuất hiện tương đối gần đây, có lẽ là sau sự kiện tuyệt chủng kỷ Phấn trắng – "
            "Paleogen 66 triệu năm trước.",
            "Sự kiện tuyệt chủng kỷ Phấn trắng – Paleogen xảy ra khi nào?",
            "66 triệu năm trước",
        ),
        # Two names: the one after the question's "từ" ("từ công ty nào").
        (TALBOT_HUGHES, "Bộ sưu tập Talbot Hughes là một món quà từ công ty nào?", "Harrods"),
        # A body's name capitalises its first syllable only; names listed together are one answer.
        (
            EU_LEGISLATION,
            "Tổ chức nào có quyền sửa đổi và phủ quyết trong quá trình lập pháp?",
            "Nghị viện Châu Âu và Hội đồng Liên minh Châu Âu",
        ),
        (
            "Bí thư Đảng ủy phường Hương Mạc, đồng chí Đàm Đức Hà, phát biểu chỉ đạo hội nghị.",
            "Bí thư Đảng ủy của phường Hương Mạc là ai?",
            "Đàm Đức Hà",
        ),
        # A name opening the sentence: two capitalised words, the first no function word.
        (
            "Đàm Đức Hà phát biểu chỉ đạo hội nghị của Đảng ủy phường Hương Mạc.",
            "Ai phát biểu chỉ đạo hội nghị của Đảng ủy phường Hương Mạc?",
            "Đàm Đức Hà",
        ),
        # The question's counted words, as far as the sentence repeats them: not "vi" of "vi phạm".
        (
            "Thành phố đã xử phạt 61 trường hợp vi phạm công tác quản lý, sử dụng đất đai trong năm 2021.",
            "Thành phố Từ Sơn xử phạt bao nhiêu trường hợp vi phạm đất đai?",
            "61 trường hợp vi phạm",
        ),
        # Two countries: the one followed by what the question says after "Quốc gia nào".
        (IRAN_OIL, "Quốc gia nào sản xuất dầu lớn thứ hai thế giới?", "Iran"),
        # Two figures in "dặm vuông": the one after the question's years.
        (
            DEFORESTATION,
            "Tốc độ chặt phá rừng 2000-2005 là bao nhiêu dặm vuông mỗi năm?",
            "8.646 dặm vuông mỗi năm",
        ),
        # "<noun> nào": the name the noun opens, or stands just before.
        (
            "Bằng việc kết hợp định nghĩa của dòng điện, quy tắc nhân vectơ gọi là Định luật Lorentz mô tả "
            "lực tác dụng lên một điện tích chuyển động trong từ trường.",
            "Định luật nào có định nghĩa một điện tích chuyển động qua từ trường?",
            "Định luật Lorentz",
        ),
        (
            "Ví dụ, các mô tả về lối sống sang trọng của Mỹ trong chương trình nhiều kỳ Dallas trong Chiến "
            "tranh lạnh đã thay đổi kỳ vọng của người dân Rumani;",
            "Chương trình truyền hình của Mỹ nào đã thay đổi quan điểm của người Rumani?",
            "Dallas",
        ),
        (
            'Đạo luật Trường học Nam Phi năm 1996 công nhận hai loại trường: "công lập" và "độc lập".',
            "Luật nào của Nam Phi công nhận hai loại trường?",
            "Đạo luật Trường học Nam Phi năm 1996",  # the year names it too
        ),
        # "thế giới" is one noun, though "thế" is a stopword (XQuAD-vi-holdout seed 2: whole sentence).
        (
            "V&A có nguồn gốc từ Triển lãm Lớn năm 1851, trong đó Henry Cole, giám đốc đầu tiên của bảo "
            "tàng, đã tham gia vào việc lập kế hoạch;",
            "V & A có nguồn gốc từ triển lãm thế giới nào?",
            "Triển lãm Lớn năm 1851",
        ),
        # "ở đâu": the one name placed by "tại" / "ở".
        (
            "Đồng hồ thành công nhất được phát triển cho Charles Porter bởi Charles Richard và triển lãm tại "
            "Triển lãm London năm 1862.",
            "Đồng hồ động cơ hơi nước Charles Porter được trưng bày ở đâu?",
            "Triển lãm London",
        ),
        # English: "The" opens the sentence, not a name.
        (
            "The Talbot Hughes collection of 1,442 costumes was a gift from Harrods in 1913.",
            "The Talbot Hughes collection was a gift from which company?",
            "Harrods",
        ),
        ("Victoria enacted its constitution in 1975.", "When did Victoria enact its constitution?", "1975"),
        # Decomposed input reads as composed.
        (
            unicodedata.normalize("NFD", "Jacksonville chịu thiệt hại từ Cơn bão Fay năm 2008."),
            unicodedata.normalize("NFD", "Cơn bão nào gây thiệt hại cho Jacksonville vào năm nào?"),
            "Năm 2008",
        ),
    ],
)
def test_the_one_phrase_of_the_asked_kind_is_read_off_a_quoted_sentence(sentence, question, phrase):
    assert asked_phrase(sentence, question) == phrase


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        # Two countries, one word apart in how many of the question's words follow each.
        (
            "Iran xuất khẩu dầu nhiều thứ hai thế giới, Iraq xuất khẩu dầu nhiều thứ ba thế giới.",
            "Quốc gia nào xuất khẩu dầu lớn thứ hai thế giới?",
        ),
        # Two figures in "dặm vuông", neither beside the question's years.
        (DEFORESTATION, "Tốc độ chặt phá rừng là bao nhiêu dặm vuông mỗi năm?"),
        # Followed by the question's own name said again, not by who leads it.
        (
            '"Nhà nước Hồi giáo", trước đây gọi là "Nhà nước Hồi giáo Iraq và Levant" và trước đó là '
            '"Nhà nước Hồi giáo Iraq", là Nhóm phiến quân được lãnh đạo bởi những người Ả Rập Sunni.',
            "Ai lãnh đạo Nhà nước Hồi giáo?",
        ),
        # The only year is the question's own.
        (ABC_JINGLE.replace("1998-2002", "mười bảy năm"), "Năm 2015 ABC đã làm gì với bản nhạc bốn nốt?"),
        (ABC_JINGLE, "ABC đã ngừng quảng bá bản nhạc bốn nốt vào năm 2015 như thế nào?"),
        # "năm nào" asks a year: a time counted back is none.
        ("Các loài này xuất hiện khoảng 515 triệu năm trước.", "Các loài này xuất hiện vào năm nào?"),
        # "khi nào" answered by a clause, with no date in it.
        (
            "Suy giảm miễn dịch xảy ra khi hệ thống miễn dịch hoạt động kém hơn bình thường.",
            "Sự suy giảm miễn dịch xảy ra khi nào?",
        ),
        # A "who" answer is a person: one capitalised Vietnamese syllable is a sentence's word, not a name.
        ("Theo báo cáo, Thành ủy đã chỉ đạo các phường.", "Ai đã chỉ đạo các phường?"),
        # No figure counts what "bao nhiêu" asks.
        (DEFORESTATION, "Bao nhiêu quốc gia bị phá rừng?"),
        # "Trong" opens the sentence, not a name: "Ấn Độ" is the question's.
        ("Trong Ấn Độ giáo, thầy tâm linh được gọi là guru.", "Ai là thầy tâm linh trong Ấn Độ giáo?"),
        # A question that asks no kind.
        (TALBOT_HUGHES, "Bộ sưu tập Talbot Hughes có gì đặc biệt?"),
        # The name after "của" says whose adviser, not which.
        (
            "Milton Friedman, cố vấn chính của Tổng thống Ronald Reagan, đã tốt nghiệp.",
            "Cố vấn nào của tổng thống cũng là cựu sinh viên đại học?",
        ),
        # "khoảng thời gian nào" asks a time, whatever name follows its noun.
        (
            "Chiến tranh kéo dài trong khoảng thời gian Châu Âu chìm trong khủng hoảng.",
            "Cuộc chiến Bảy năm kéo dài trong khoảng thời gian nào?",
        ),
        # "loại … nào" names no kind the sentence would name the answer by.
        (
            "Những người Anh di cư đông hơn người Pháp với tỷ lệ 20:1 dọc theo bờ biển từ Nova Scotia.",
            "Loại người Pháp nào ra tuyên bố này?",
        ),
        # Two places after "tại": none told apart.
        (
            "Đồng hồ được trưng bày tại Bảo tàng Khoa học và sau đó tại Triển lãm London.",
            "Đồng hồ được trưng bày ở đâu?",
        ),
    ],
)
def test_no_phrase_when_the_sentence_holds_none_or_several_of_the_asked_kind(sentence, question):
    assert asked_phrase(sentence, question) is None


GURU = (
    "Trong Ấn Độ giáo, thầy tâm linh được gọi là guru, và trong nhiều truyền thống của Ấn Độ giáo - đặc "
    "biệt là những truyền thống phổ biến ở phương Tây - việc nhấn mạnh vào sự hướng dẫn tâm linh là cực kỳ "
    "cao, với việc các guru thường thực hiện rất nhiều quyền kiểm soát cuộc sống của môn đồ của họ."
)
WG_ONE = (
    "Phần tóm tắt dự án của báo cáo Tóm tắt WG I dành cho các Nhà hoạch định chính sách cho biết họ chắc "
    "chắn rằng khí thải do các hoạt động của con người làm tăng đáng kể nồng độ khí quyển của khí nhà "
    "kính, dẫn đến trung bình bề mặt Trái đất nóng lên."
)
DIATOMS = (
    "Ví dụ, dù trong tảo cát (một heterokontophyte) hiện đang có một lục lạp nguồn gốc tảo đỏ, nhưng sự "
    "hiện diện của nhiều gen tảo lục trong nhân tế bào của chúng đã cung cấp chứng cứ cho thấy tổ tiên tảo "
    "cát có lục lạp nguồn gốc tảo lục ở một số giai đoạn, và sau cùng thay bằng loại lục lạp đỏ."
)
KENYA_SPORTS = (
    "Kenya hoạt động trong một số môn thể thao, trong đó có cricket, đua xe ô tô, bóng đá, bóng bầu dục "
    "và boxing."
)


@pytest.mark.parametrize(
    ("sentence", "question", "filler"),
    [
        # What follows the question's words before "bao lâu", up to the comma.
        (
            "Bầu cử Nghị viện, diễn ra sau mỗi 5 năm, và việc bầu chọn các thành viên Nghị viện Châu Âu "
            "phải được tổ chức theo tỷ lệ đại diện.",
            "Bầu cử Nghị viện diễn ra bao lâu một lần?",
            "Sau mỗi 5 năm",
        ),
        # "khi nào" keeps its "khi".
        (
            "Suy giảm miễn dịch xảy ra khi hệ thống miễn dịch hoạt động kém hơn bình thường, dẫn đến nhiễm "
            "trùng tái phát.",
            "Sự suy giảm miễn dịch xảy ra khi nào?",
            "Khi hệ thống miễn dịch hoạt động kém hơn bình thường",
        ),
        (
            "Các nghiên cứu về bất bình đẳng thu nhập và tăng trưởng đôi khi đã tìm thấy bằng chứng xác nhận "
            "giả thuyết đường cong Kuznets, trong đó nêu rõ rằng bất bình đẳng trước hết tăng lên.",
            "Những nghiên cứu về bất bình đẳng thu nhập đôi khi tìm thấy bằng chứng xác nhận điều gì?",
            "Giả thuyết đường cong Kuznets",
        ),
        # It ends where two of the question's words after its asking word come back ("khí nhà").
        (
            WG_ONE,
            "Bản tóm tắt WG I dành cho các Nhà hoạch định chính sách cho biết các hoạt động của con người "
            "đang làm gì đối với khí nhà kính?",
            "Tăng đáng kể nồng độ khí quyển",
        ),
        (GURU, "Các guru kiểm soát ai?", "Cuộc sống của môn đồ của họ"),
        # "X nào" keeps the question's noun in front.
        (DIATOMS, "Tảo cát có loại lục lạp nào?", "Lục lạp đỏ"),
        # … all of a capitalised name's words (live, seed report: "Bộ phường Hương Mạc")
        (
            "Tại Đảng bộ phường Hương Mạc, việc thực hiện Kết luận số 01 được gắn với thực hiện Nghị quyết "
            "Trung ương 4.",
            "Kết luận số 01 được thực hiện ở những đảng bộ phường nào?",
            "Đảng bộ phường Hương Mạc",
        ),
        # A noun named by figures ends with them (live, seed report: "… 2025 đề ra")
        (
            "Góp phần thực hiện thắng lợi các nhiệm vụ, mục tiêu Nghị quyết Đại hội Đảng bộ các cấp nhiệm "
            "kỳ 2020 - 2025 đề ra.",
            "Nhiệm kỳ của Nghị quyết Đại hội Đảng bộ các cấp là nhiệm kỳ nào?",
            "Nhiệm kỳ 2020 - 2025",
        ),
        # A place may follow its verb without the question's "ở" (XQuAD-vi-holdout seed 1: the
        # whole sentence was shown).
        (
            "Nhà Trần cai trị An Nam (Đại Việt) đã nghiền nát và đánh bại quân Mông Cổ trong Trận "
            "chiến Bạch Đằng (1288).",
            "Nhà Trần cai trị ở đâu?",
            "An Nam",
        ),
        # The question's noun, then the list it announces after a comma (XQuAD-vi-holdout seed 0: the
        # whole sentence was shown).
        (
            KENYA_SPORTS,
            "Người Kenya hoạt động trong những môn thể thao nào?",
            "Cricket, đua xe ô tô, bóng đá, bóng bầu dục và boxing",
        ),
        # "làm gì": "làm" stands for the verb the sentence says, whose "được" stays (XQuAD-vi-holdout
        # seed 1: the whole sentence was shown).
        (
            "Một Lạt-ma đã trải qua phowa và siddhi có ý thức quyết tâm được tái sinh, thường là nhiều lần, "
            "để tiếp tục Bồ Tát học xứ của mình được gọi là Hóa thân.",
            "Một Lạt-ma quyết tâm làm gì?",
            "Được tái sinh",
        ),
        # Decomposed input reads as composed.
        (
            unicodedata.normalize("NFD", "Những người ôn hòa tìm cách tách rời tôn giáo khỏi chính trị."),
            unicodedata.normalize("NFD", "Những người Hồi giáo ôn hòa tiến bộ tìm cách tách rời điều gì?"),
            "Tôn giáo khỏi chính trị",
        ),
    ],
)
def test_a_quoted_sentence_is_read_for_what_stands_in_the_asking_words_place(sentence, question, filler):
    assert slot_filler(sentence, question) == filler


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        # A question asking its subject: what follows "Cố vấn" is no adviser's name.
        (
            "Milton Friedman, cố vấn chính của Tổng thống Ronald Reagan và Thủ tướng Anh Margaret Thatcher, "
            "George Stigler, người đoạt giải Nobel, tất cả đều đã tốt nghiệp.",
            "Cố vấn nào của thủ tướng Anh cũng là cựu sinh viên đại học?",
        ),
        # The question's words run up to a comma, and no words announce a list after it: "một số
        # môn thể thao" is not the sports.
        (
            KENYA_SPORTS.replace("trong đó có", "nổi bật là"),
            "Người Kenya hoạt động trong những môn thể thao nào?",
        ),
        # A list announced, too long to be an answer.
        (
            "Kenya hoạt động trong một số môn thể thao, bao gồm " + ", ".join(["cricket"] * 25) + ".",
            "Người Kenya hoạt động trong những môn thể thao nào?",
        ),
        # One word, "làm", after none of the question's words.
        (
            "Kết quả thực hiện Kết luận số 01 là động lực để Đảng bộ thành phố Từ Sơn tiếp tục nhân rộng "
            "hơn nữa việc học tập và làm theo Bác.",
            "Kết quả thực hiện Kết luận số 01 là động lực để Đảng bộ thành phố Từ Sơn làm gì?",
        ),
        # The question's noun stands before "của": "của Mỹ" is no noun to keep.
        (
            "Ví dụ, các mô tả về lối sống sang trọng của Mỹ trong chương trình nhiều kỳ Dallas trong Chiến "
            "tranh lạnh đã thay đổi kỳ vọng của người dân Rumani;",
            "Chương trình truyền hình của Mỹ nào đã thay đổi quan điểm của người Rumani trong chiến "
            "tranh lạnh?",
        ),
        # A negation the question does not hold.
        (
            "Các guru không kiểm soát cuộc sống của môn đồ.",
            "Các guru kiểm soát ai?",
        ),
        # Two asking words; and an English question (no Vietnamese asking word).
        (GURU, "Ai kiểm soát cái gì?"),
        ("The gurus control the lives of their disciples.", "Whom do the gurus control?"),
        # The question's words are written twice in the sentence.
        (
            "Các guru kiểm soát môn đồ, và các guru kiểm soát cả gia đình họ.",
            "Các guru kiểm soát ai?",
        ),
        # Only "đâu" goes without its "ở": "cai trị" is followed by no time.
        ("Nhà Trần cai trị An Nam (Đại Việt) suốt hai thế kỷ.", "Nhà Trần cai trị vào năm nào?"),
    ],
)
def test_no_filler_when_the_sentence_does_not_say_it_plainly(sentence, question):
    assert slot_filler(sentence, question) is None


@pytest.mark.parametrize(
    ("answer", "question", "short"),
    [
        # XQuAD-vi answers that short_answer left whole, and the reports set's lists kept whole.
        (
            "Đường cao tốc đầu tiên đã mở rừng nhiệt đới thành công và dẫn đến di dân định cư và nạn phá "
            "rừng gia tăng [1][2].",
            "Việc mở đường cao tốc trong rừng nhiệt đới Amazon dẫn đến điều gì?",
            "Di dân định cư và nạn phá rừng gia tăng [1][2]",
        ),
        (
            "Thể thao (bao gồm Giải Bóng đá Premier League của Anh), phim, giải trí và tin tức [1]",
            "Danh mục thể thao của BSkyB bao gồm gì?",
            "Giải Bóng đá Premier League của Anh [1]",
        ),
        (
            "Tại Đảng bộ phường Hương Mạc, việc thực hiện Kết luận số 01 được gắn với thực hiện Nghị quyết "
            "Trung ương 4 (khóa XI, XII, XIII) về xây dựng và chỉnh đốn Đảng [1].",
            "Nghị quyết Trung ương 4 được nhắc tới trong bài thuộc những khóa nào?",
            "Khóa XI, XII, XIII [1]",
        ),
        (
            unicodedata.normalize(
                "NFD", "Khi khí nhà kính tăng lên, nó gây ra trung bình bề mặt Trái đất nóng lên [1]."
            ),
            unicodedata.normalize("NFD", "Khí nhà kính tăng lên gây ra điều gì?"),
            "Trung bình bề mặt Trái đất nóng lên [1]",
        ),
        # the answer says its filler where the question has the noun before "nào"
        (
            "Al-Muwaffaq đã phân biệt giữa natri cacbonat và kali cacbonat [1].",
            "Al-Muwaffaq đã phân biệt giữa hai hợp chất nào?",
            "Natri cacbonat và kali cacbonat [1]",
        ),
        (
            "Kenyatta đã đến thăm Trung Quốc theo lời mời của Chủ tịch Tập Cận Bình [1].",
            "Kenyatta đã đến thăm nơi nào theo lời mời của Chủ tịch?",
            "Trung Quốc [1]",
        ),
        # A clause after a comma goes, a listing comma stays.
        (
            "Thành phố chọn du lịch, công nghiệp và dịch vụ, để phát triển kinh tế [2].",
            "Thành phố chọn gì?",
            "Du lịch, công nghiệp và dịch vụ [2]",
        ),
    ],
)
def test_a_checked_answer_is_cut_to_what_fills_the_asking_words_place(answer, question, short):
    from rag.shorten import filled_slot

    assert filled_slot(answer, question) == short


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        # the question's words before the run are not said back: the run stands inside a list
        (
            "Điều kiện lưu trữ, văn bản bắt buộc, thiết bị, v.v., được quy định trong luật [1]",
            "Luật dược phẩm bắt buộc điều gì?",
        ),
        # the filler was said more fully before: "Beryl" would lose "Cơn bão Nhiệt đới"
        (
            "Cơn bão Nhiệt đới Beryl vào Jacksonville vào tháng 5 năm 2012 là Beryl [1].",
            "Tên của cơn bão đã vào Jacksonville vào tháng 5 năm 2012 là gì?",
        ),
        # a filler of a thing word only
        (
            "Rối loạn hệ thống miễn dịch có thể là hệ lụy từ cái [4].",
            "Theo các nhà môi trường thì mất đa dạng sinh học có thể là hệ lụy từ cái gì?",
        ),
        # what stands where the question's noun and "nào" stand is longer than a filler
        (
            "Jacksonville được đặt theo tên của Andrew Jackson, thống đốc quân sự đầu tiên của Lãnh thổ "
            "Florida và là Tổng thống thứ bảy của Hoa Kỳ [1].",
            "Jacksonville được đặt theo tên của nhân vật lịch sử nào?",
        ),
        # "như thế nào" asks how, whatever its "nào"
        (
            "Lễ khai mạc có sự tham dự của 2000 khách và Phòng trưng bày Nghệ thuật Laing có một bức tranh "
            "về sự kiện này [1].",
            "Việc khai trương Chợ Grainger được ghi lại trong Phòng trưng bày Nghệ thuật Laing như thế nào?",
        ),
        # how, why, two sentences, no marker
        ("Hiệp ước bắt đầu bằng quy định chung về than và thép [1].", "Hiệp ước bắt đầu như thế nào?"),
        ("Thành phố chọn du lịch [2]. Thành phố chọn cả công nghiệp [3].", "Thành phố chọn gì?"),
        ("Thành phố chọn du lịch.", "Thành phố chọn gì?"),
        # a figure: short_answer decides on its unit
        (
            "Thành phố Từ Sơn xử phạt 61 trường hợp vi phạm công tác quản lý, sử dụng đất đai [3].",
            "Thành phố Từ Sơn xử phạt bao nhiêu trường hợp vi phạm đất đai?",
        ),
        # a bare figure names none of "những phường nào" (the wiki set, live: was "14 [1]")
        (
            "Thành phố Thủ Dầu Một có 14 phường: Chánh Mỹ, Chánh Nghĩa, Định Hòa [1].",
            "Thành phố Thủ Dầu Một có những phường nào?",
        ),
    ],
)
def test_a_checked_answer_is_left_whole_when_unsure(answer, question):
    from rag.shorten import filled_slot

    assert filled_slot(answer, question) == answer


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("năm 2021 [3]", "Năm 2021 [3]"),
        ("đồng bằng Rhine-Meuse [1]", "Đồng bằng Rhine-Meuse [1]"),
        (unicodedata.normalize("NFD", "ước tính 25 [1]"), unicodedata.normalize("NFD", "Ước tính 25 [1]")),
        # capitals inside the first word are its spelling
        ("ctDNA hoặc cpDNA [1]", "ctDNA hoặc cpDNA [1]"),
        ("iPhone [2]", "iPhone [2]"),
        ("61 trường hợp [3]", "61 trường hợp [3]"),
        ("“quyền lực mềm” [1]", "“quyền lực mềm” [1]"),
        ("", ""),
    ],
)
def test_an_answer_opens_with_a_capital_unless_its_first_word_is_spelt_otherwise(text, shown):
    from rag.shorten import opening_capital

    assert opening_capital(text) == shown


def test_how_is_asked_by_nhu_the_nao_not_a_noun_before_nao():
    # "như thế" is no noun the answer could have said its filler in place of
    answer = (
        "Lễ khai mạc có sự tham dự của 2000 khách và Phòng trưng bày Nghệ thuật Laing có một bức tranh về "
        "sự kiện này"
    )
    question = (
        "Việc khai trương Chợ Grainger được ghi lại trong Phòng trưng bày Nghệ thuật Laing như thế nào?"
    )
    assert slot_filler(answer, question, answered=True) is None


def test_an_answer_starting_inside_a_name_takes_the_whole_name():
    # Live over Wikipedia's Cát Bà: "Hải, thành phố Hải Phòng [1]" (the question says "Cát Bà").
    answer = "Quần đảo Cát Bà thuộc huyện đảo Cát Hải, thành phố Hải Phòng [1]."
    assert short_answer(answer, "Quần đảo Cát Bà thuộc huyện nào?").startswith("Cát Hải")


def test_a_date_whose_day_goes_without_ngay_is_one_phrase():
    # Live over Wikipedia's Jerusalem: "Tháng 8 năm 1980 [1]" left out the day of "trên 20 tháng 8 năm 1980".
    sentence = (
        "Hội đồng Bảo an Liên Hợp Quốc thông qua Nghị quyết 478 trên 20 tháng 8 năm 1980, trong đó tuyên bố"
    )
    asked = "Nghị quyết 478 của Hội đồng Bảo an về Jerusalem được thông qua ngày nào?"
    assert asked_phrase(sentence, asked) == "20 tháng 8 năm 1980"


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # Party and state documents write dates with hyphens (live over Wikipedia's Đại hội VI: "Đào Duy
        # Tùng (từ tháng 5-1988)" wrote no date for the checks of a date question).
        ("Đào Duy Tùng (từ tháng 5-1988)", ["tháng 5-1988"]),
        (
            "Cách mạng thành công ngày 2-9-1945, rồi ngày 1/1/1997 tái lập tỉnh.",
            ["ngày 2-9-1945", "ngày 1/1/1997"],
        ),
        # a range of years, a decision's number and a numbered document are no date
        ("Giai đoạn 1998-2002 theo Quyết định 1116/QĐ-BXD và văn bản số 12-2010", []),
    ],
)
def test_dates_written_with_slashes_or_hyphens(text, dates):
    from rag.shorten import dates_in, holds_year

    assert [text[start:end] for start, end in dates_in(text)] == dates
    assert holds_year(text) == bool(dates)


@pytest.mark.parametrize(
    ("answer", "question", "short"),
    [
        # XQuAD-vi-holdout seeds 0 and 1: copied phrases running on past their answer.
        (
            "Nafzger và được giao cho Lowry Digital để phục hồi [1]",
            "Ai đã tổng hợp dữ liệu gốc về việc hạ cánh của tàu Apollo 11 còn sống sót?",
            "Nafzger [1]",
        ),
        (
            "Bác sĩ Nestorian Jesus the Interpreter đã thành [1]",
            "Ai thành lập Văn phòng Tây Y?",
            "Bác sĩ Nestorian Jesus the Interpreter [1]",
        ),
    ],
)
def test_a_copied_phrase_ends_before_the_clause_it_runs_on_into(answer, question, short):
    assert without_bare_clause(answer, question) == short


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        # What was done, and when, are answered by clauses.
        ("Phát hành vào năm 1975 để kết nối hai máy tính PDP-11 [1]", "DECnet ban đầu đã làm gì?"),
        ("Thời điểm sau khi chiến tranh kết thúc [1]", "Hiệp ước được ký khi nào?"),
        # Only the question's words would be left.
        ("Văn phòng Tây Y đã thành [1]", "Ai thành lập Văn phòng Tây Y?"),
        # "đã" and a word the question does not say: the phrase's own verb.
        ("Bác sĩ Jesus đã mất [1]", "Ai thành lập Văn phòng Tây Y?"),
        # A sentence, not a copied phrase.
        (
            "Nafzger, một kỹ sư của NASA từng làm việc nhiều năm tại Trung tâm Vũ trụ Johnson, và được "
            "giao cho Lowry Digital [1]",
            "Ai đã tổng hợp dữ liệu gốc?",
        ),
    ],
)
def test_a_copied_phrase_is_left_whole_without_a_clause_to_cut(answer, question):
    assert without_bare_clause(answer, question) == answer
