# ผลลัพธ์: การประเมินช่องว่าง รูปแบบการปฏิบัติ ผลลัพธ์สำคัญ เอกสารข้อมูลประเทศ
nav-results = ผลลัพธ์
results-title = ผลลัพธ์
results-key = ผลลัพธ์สำคัญ
results-models-in-implementation = รูปแบบการปฏิบัติที่อยู่ระหว่างการนำไปใช้
results-mapping-exercises = กิจกรรมการทำแผนที่
results-budget-allocated = งบประมาณที่จัดสรร
results-not-yet-recorded = ยังไม่มีการบันทึก
results-operator = ผู้ดูแลเซิร์ฟเวอร์
results-sentence-training = จนถึงปัจจุบัน โครงการฝึกอบรมการบังคับใช้กฎหมายได้เข้าถึง { $institutions } หน่วยงาน และฝึกอบรมบุคคล { $individuals } คน
results-sentence-integrated = { $n ->
   *[other] { $n } หน่วยงานได้บรรจุการฝึกอบรมไว้ในหลักสูตรของตนเอง
}
results-sentence-all-implemented = { $n ->
    [1] รูปแบบการปฏิบัติที่แตกต่างอยู่ระหว่างการนำไปใช้
    [3] รูปแบบทั้งสามอยู่ระหว่างการนำไปใช้
   *[other] รูปแบบทั้ง { $n } อยู่ระหว่างการนำไปใช้
}
results-sentence-some-implemented = รูปแบบการปฏิบัติที่แตกต่าง { $n } จาก { $total } อยู่ระหว่างการนำไปใช้
gap-list = การประเมินช่องว่าง
gap-new = เพิ่มช่องว่าง
gap-edit = แก้ไขช่องว่าง
gap-severity = ความรุนแรง
gap-severity-low = ต่ำ
gap-severity-medium = ปานกลาง
gap-severity-high = สูง
gap-institutions = หน่วยงานที่เกี่ยวข้อง
gap-description = คำอธิบาย
gap-evidence-source = แหล่งหลักฐาน
model-list = รูปแบบการปฏิบัติที่แตกต่าง
model-new = เพิ่มรูปแบบการปฏิบัติ
model-title = รูปแบบการปฏิบัติ
model-module = โมดูล
model-module-training = การฝึกอบรม
model-module-cartography = แผนที่ทางสังคม
model-module-guide = คู่มือการดำเนินงานระดับท้องถิ่น
model-stage-developed = พัฒนาแล้ว
model-stage-piloted = ทดลองนำร่องแล้ว
model-stage-evaluated = ประเมินผลแล้ว
model-stage-refined = ปรับปรุงแล้ว
model-stage-implemented = นำไปใช้แล้ว
model-stage-institutionalised = ผนวกเข้าสู่สถาบันแล้ว
model-partners = หน่วยงานพันธมิตร
model-gaps = ช่องว่างที่แก้ไข
model-evidence-developed = วิธีการพัฒนารูปแบบ (หลักฐาน)
model-timeline = ลำดับเหตุการณ์
model-moved-at = วันที่
model-from = จาก
model-to = ไปยัง
model-evidence = หลักฐาน
model-moved-by = โดย
model-move = เลื่อนไปขั้นถัดไป
model-final = รูปแบบนี้ผนวกเข้าสู่สถาบันแล้ว วงจรชีวิตเสร็จสมบูรณ์
model-evidence-hint = บันทึกเกี่ยวกับหลักฐาน เช่น รายงานการนำร่อง ผลการประเมิน หรือการตัดสินใจ ยังแนบไฟล์ไม่ได้
model-move-submit = บันทึกการเลื่อนขั้น
model-move-not-allowed = วงจรชีวิตไม่อนุญาตการเลื่อนนี้ กรุณาเลือกขั้นถัดไป (ข้ามขั้นไม่ได้)
profile-title = การตั้งค่าเอกสารข้อมูล
profile-overview = ภาพรวม
profile-contact = ติดต่อ
profile-contact-hint = ที่อยู่สำนักงานหรืออีเมลส่วนกลาง ไม่ใช่ข้อมูลส่วนตัวของบุคคล เพราะเอกสารข้อมูลอาจเปิดเผยต่อสาธารณะ
profile-funding = ข้อความเรื่องแหล่งทุน
profile-published = เผยแพร่เอกสารข้อมูล
profile-published-hint = เอกสารข้อมูลที่เผยแพร่แล้วทุกคนอ่านได้โดยไม่ต้องเข้าสู่ระบบ มีเฉพาะตัวเลขรวม
factsheet-heading = เอกสารข้อมูลประเทศ
factsheet-is-published = เอกสารข้อมูลเผยแพร่แล้ว ทุกคนอ่านได้โดยไม่ต้องเข้าสู่ระบบ
factsheet-not-published = เอกสารข้อมูลยังไม่เผยแพร่ เฉพาะผู้ที่เข้าสู่ระบบเท่านั้นที่เห็น
factsheet-title = { $country } — เอกสารข้อมูลประเทศ
factsheet-model-line = { $module } ขั้นปัจจุบัน: { $stage }
factsheet-preview = ตัวอย่าง: ยังไม่เผยแพร่
factsheet-print-hint = พิมพ์หรือบันทึกเป็น PDF จากเบราว์เซอร์ (กระดาษ A4 สองหน้า)
factsheet-overview = ภาพรวม
factsheet-activities = กิจกรรม
factsheet-key-results = ผลลัพธ์สำคัญ
factsheet-partners = พันธมิตร: { $partners }
factsheet-contact = ติดต่อ
