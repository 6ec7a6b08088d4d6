"""Every action the audit trail records, in one enumeration. The value is the stable string stored in
`AuditEvent.action` (scripts and auditors filter on it: never rename one); the label is what the audit page shows.

Services name the actions they write in their `@service(audits=...)` declaration, and a test runs every service
to check that each writes only what it declares (tests/test_services.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # accounts
    USER_CREATE = "user.create", _("Tạo người dùng")
    MEMBERSHIP_GRANT = "membership.grant", _("Cấp vai trò")
    MEMBERSHIP_REVOKE = "membership.revoke", _("Thu hồi vai trò")
    USER_DEACTIVATE = "user.deactivate", _("Khóa hoặc mở lại tài khoản")
    USER_PASSWORD_RESET = "user.password_reset", _("Đặt lại mật khẩu")
    API_TOKEN_CREATE = "api_token.create", _("Tạo khóa API")
    API_TOKEN_REVOKE = "api_token.revoke", _("Thu hồi khóa API")
    FIELD_KEYS_ROTATE = "field_keys.rotate", _("Mã hóa lại dữ liệu bằng khóa mới")
    JOB_RETRY = "job.retry", _("Chạy lại tác vụ nền")
    BACKUP_CREATE = "backup.create", _("Sao lưu cơ sở dữ liệu")
    BACKUP_RESTORE = "backup.restore", _("Khôi phục cơ sở dữ liệu từ bản sao lưu")
    LOGIN = "auth.login", _("Đăng nhập")
    LOGIN_FAILED = "auth.login_failed", _("Đăng nhập sai")
    LOGIN_LOCKED = "auth.locked_out", _("Tạm khóa đăng nhập")
    PASSWORD_CHANGE = "auth.password_change", _("Đổi mật khẩu")
    SECOND_FACTOR_ENROL = "auth.second_factor_enrol", _("Bật xác thực hai lớp")
    SECOND_FACTOR_RESET = "auth.second_factor_reset", _("Đặt lại xác thực hai lớp")
    # geo
    GEO_LOAD = "geo.load", _("Tải danh mục đơn vị hành chính")
    # programmes
    PROGRAMME_CREATE = "programme.create", _("Tạo chương trình")
    PROGRAMME_UPDATE = "programme.update", _("Sửa chương trình")
    COMMUNE_CREATE = "commune.create", _("Thêm xã/phường vào chương trình")
    COMMUNE_UPDATE = "commune.update", _("Sửa số liệu xã/phường")
    COLLECTION_POINT_CREATE = "collection_point.create", _("Thêm điểm cầu")
    COLLECTION_POINT_UPDATE = "collection_point.update", _("Sửa điểm cầu")
    ORGANISATION_CREATE = "organisation.create", _("Thêm tổ chức")
    ORGANISATION_UPDATE = "organisation.update", _("Sửa tổ chức")
    ASSIGNMENT_CREATE = "assignment.create", _("Phân công")
    ASSIGNMENT_END = "assignment.end", _("Kết thúc phân công")
    # fundraising
    DONOR_CREATE = "donor.create", _("Thêm nhà tài trợ")
    DONOR_CONSENT = "donor.consent", _("Ý kiến công khai tên nhà tài trợ")
    PLEDGE_CREATE = "pledge.create", _("Ghi cam kết ủng hộ")
    PLEDGE_CANCEL = "pledge.cancel", _("Hủy cam kết")
    WALK_IN_CODE_CREATE = "walk_in_code.create", _("Tạo mã ủng hộ chung")
    DONATION_RECORD = "donation.record", _("Ghi nhận khoản ủng hộ")
    DONATION_REVERSE = "donation.reverse", _("Hủy ghi nhận khoản ủng hộ")
    RECEIPT_ISSUE = "receipt.issue", _("Cấp giấy chứng nhận ủng hộ")
    STATEMENT_IMPORT = "statement.import", _("Nhập sao kê")
    STATEMENT_LINE_PLEDGE = "statement_line.pledge", _("Dòng sao kê: ghi vào cam kết")
    STATEMENT_LINE_GIFT = "statement_line.gift", _("Dòng sao kê: khoản ủng hộ không cam kết")
    STATEMENT_LINE_DEPOSIT = "statement_line.deposit", _("Dòng sao kê: nộp tiền mặt")
    CASH_DEPOSIT = "cash.deposit", _("Nộp tiền mặt từ điểm cầu về ngân hàng")
    CASH_DEPOSIT_CANCEL = "cash.deposit_cancel", _("Hủy giấy nộp tiền mặt ghi nhầm")
    STATEMENT_LINE_IGNORE = "statement_line.ignore", _("Dòng sao kê: bỏ qua")
    # registry
    RESIDENT_REGISTER = "resident.register", _("Thêm người dân")
    RESIDENT_UPDATE = "resident.update", _("Cập nhật người dân từ danh sách")
    RESIDENT_CORRECT = "resident.correct", _("Sửa thông tin người dân")
    RESIDENT_ERASE = "resident.erase", _("Xóa dữ liệu người dân")
    RESIDENT_DATA_EXPORT = "resident.data_export", _("Cung cấp dữ liệu cho người dân")
    HOUSEHOLD_UPDATE = "household.update", _("Cập nhật hộ gia đình")
    CONSENT_RECORD = "consent.record", _("Ghi nhận sự đồng ý")
    CONSENT_WITHDRAW = "consent.withdraw", _("Rút lại sự đồng ý")
    CONSENT_BULK = "consent.bulk", _("Ghi nhận sự đồng ý của nhiều người")
    CONSENT_WITHDRAW_BULK = "consent.withdraw_bulk", _("Rút lại sự đồng ý của nhiều người")
    REGISTRY_IMPORT = "registry.import", _("Nhập danh sách người dân")
    REGISTRY_PROBLEMS = "registry.problems", _("Tải tệp kiểm tra danh sách (có dữ liệu cá nhân)")
    REGISTRY_EXPORT = "registry.export", _("Xuất danh sách người dân")
    REGISTRY_DEDUP = "registry.dedup", _("Tìm người trùng")
    REGISTRY_COLUMN_MAPPING = "registry.column_mapping", _("Lưu cách đọc cột")
    DUPLICATE_SAME = "duplicate.same", _("Gộp hai bản ghi trùng")
    DUPLICATE_DIFFERENT = "duplicate.different", _("Hai người khác nhau")
    DUPLICATE_REOPEN = "duplicate.reopen", _("Hủy quyết định về cặp trùng")
    # devices
    PHONE_MODEL_CREATE = "phone_model.create", _("Thêm mẫu điện thoại")
    PHONE_MODEL_PRICE = "phone_model.price", _("Ghi giá tham khảo của mẫu điện thoại")
    PURCHASE_CREATE = "purchase.create", _("Đặt mua điện thoại")
    PURCHASE_VOID = "purchase.void", _("Hủy đơn mua điện thoại (đảo bút toán chi)")
    DEVICES_RECEIVE = "devices.receive", _("Nhận điện thoại vào kho")
    DEVICE_MOVE = "device.move", _("Đổi tình trạng điện thoại")
    DEVICE_CHECK = "device.check", _("Kiểm tra điện thoại")
    DEVICE_TRANSFER = "device.transfer", _("Gửi điện thoại đi")
    DEVICE_TRANSFER_CONFIRM = "device.transfer_confirm", _("Xác nhận đã nhận điện thoại")
    DEVICE_SIM = "device.sim", _("Ghi SIM và gói dữ liệu của điện thoại")
    # allocation
    POLICY_UPDATE = "policy.update", _("Sửa chính sách ưu tiên")
    ROUND_PROPOSE = "round.propose", _("Đề xuất đợt phân bổ")
    ROUND_EXCLUDE = "round.exclude", _("Loại khỏi đợt phân bổ")
    PRIOR_PHONE_EXCEPTION = "allocation.prior_phone_exception", _("Ngoại lệ: đã nhận máy từ chương trình khác")
    ROUND_APPROVE = "round.approve", _("Duyệt đợt phân bổ")
    ROUND_CANCEL = "round.cancel", _("Hủy đợt phân bổ chờ duyệt")
    RESERVATION_RELEASE = "reservation.release", _("Trả máy đang giữ về kho")
    RESERVATION_RESTORE = "reservation.restore", _("Hoàn tác vắng mặt: giữ lại máy cho người nhận")
    # handover
    HANDOVER_EVENT = "handover.event", _("Tạo buổi trao máy")
    HANDOVER_EVENT_CLOSE = "handover.event_close", _("Kết thúc buổi trao, lập biên bản")
    HANDOVER_RECORD = "handover.record", _("Ghi nhận trao máy")
    HANDOVER_RETURN = "handover.return", _("Nhận lại máy")
    HANDOVER_REPLACE = "handover.replace", _("Đổi máy")
    HANDOVER_LOST = "handover.lost", _("Ghi nhận máy bị mất hoặc đã bán")
    HANDOVER_LABELS = "handover.labels", _("In nhãn hộp máy của buổi trao (có họ tên)")
    HANDOVER_PHOTO_VIEW = "handover.photo_view", _("Xem ảnh xác nhận")
    # onboarding
    TEAM_CREATE = "team.create", _("Lập tổ công nghệ số")
    TEAM_MEMBER_ADD = "team.member_add", _("Thêm thành viên tổ")
    ONBOARDING_STEPS = "onboarding.steps", _("Ghi các bước hướng dẫn")
    ONBOARDING_STEP_UNDO = "onboarding.step_undo", _("Bỏ một bước đã ghi")
    ONBOARDING_SESSION = "onboarding.session", _("Ghi buổi hướng dẫn")
    ONBOARDING_FOLLOWUP = "onboarding.followup", _("Ghi lần theo dõi")
    VERIFICATION_DRAW = "verification.draw", _("Rút mẫu kiểm chứng")
    VERIFICATION_RECORD = "verification.record", _("Ghi kết quả kiểm chứng")
    # reports
    REPORTS_EXPORT = "reports.export", _("Tải báo cáo có thông tin cá nhân")
