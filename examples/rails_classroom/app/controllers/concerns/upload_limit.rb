# Refuses a body that is too large from its Content-Length, before Rails
# parses the multipart form (and before the CSRF check, which would parse it).
module UploadLimit
  extend ActiveSupport::Concern

  # Room for the multipart envelope around a file of Upload::MAX_BYTES.
  ENVELOPE = 64 * 1024

  included do
    prepend_before_action :refuse_large_body, only: :create
    rescue_from(Upload::TooLarge) { too_large }
  end

  private

  def refuse_large_body
    too_large if request.content_length.to_i > Upload::MAX_BYTES + ENVELOPE
  end

  def too_large
    message = "the file is larger than #{Upload::MAX_BYTES} bytes"
    if request.format.json?
      render json: { error: message }, status: :payload_too_large
    else
      render plain: message, status: :payload_too_large
    end
  end

  def uploaded_file
    file = params[:file]
    file if file.respond_to?(:read) && file.respond_to?(:original_filename)
  end
end
