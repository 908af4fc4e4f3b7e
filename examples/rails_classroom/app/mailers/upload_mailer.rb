# Sent by the worker (deliver_later), never by a web request.
class UploadMailer < ApplicationMailer
  def self.recipient
    ENV["CLASSROOM_NOTIFY_TO"].presence
  end

  def new_upload
    @upload = Upload.metadata.find(params[:upload_id])
    mail(to: self.class.recipient, subject: "classroom: new upload #{@upload.filename}")
  end
end
