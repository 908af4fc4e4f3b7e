class UploadsController < ApplicationController
  include UploadLimit

  def index
    @uploads = Upload.metadata.order(id: :desc).limit(50)
  end

  # The page's form (CSRF-protected); the JSON API is Api::UploadsController.
  def create
    file = uploaded_file
    return redirect_to(root_path, alert: "Choose a file.") unless file
    upload = Upload.store!(file)
    redirect_to root_path, notice: "Uploaded #{upload.filename}."
  end

  # The bytes, from any app host. An upload never changes, so its sha256 is
  # its ETag and a revalidation reads no bytes.
  def show
    upload = Upload.metadata.find(params[:id])
    expires_in 1.hour, public: true
    return unless stale?(etag: upload.sha256, public: true)
    # Uploaded HTML must not run as this site: download it, sandboxed.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    send_data Upload.where(id: upload.id).pick(:data), filename: upload.filename,
              type: upload.content_type, disposition: "attachment"
  end
end
