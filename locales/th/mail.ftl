# E-mailed case notifications: never any case content.
mail-referral-received-subject = มีการส่งต่อรอหน่วยงานของคุณใน ATLAS
mail-referral-answered-subject = การส่งต่อที่หน่วยงานของคุณส่งได้รับคำตอบใน ATLAS
mail-referral-updated-subject = การส่งต่อของหน่วยงานของคุณมีการปรับปรุงใน ATLAS
mail-body-open = เข้าสู่ระบบ ATLAS เพื่อดู:
mail-body-note = ข้อความนี้ไม่มีรายละเอียดของกรณี รายละเอียดแสดงเฉพาะใน ATLAS แก่ผู้ที่มีสิทธิ์ดูเท่านั้น
mail-body-auto = ข้อความอัตโนมัติจาก ATLAS กรุณาอย่าตอบกลับ
