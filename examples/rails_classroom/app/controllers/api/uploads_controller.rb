# JSON API: POST /api/uploads (multipart, field "file"), GET /api/uploads[/:id].
# No session and no cookie, hence no CSRF token to ask for.
module Api
  class UploadsController < ActionController::API
    include UploadLimit

    before_action { request.format = :json }
    rescue_from(ActiveRecord::RecordNotFound) { render json: { error: "not found" }, status: :not_found }

    def index
      render json: Upload.metadata.order(id: :desc).limit(Integer(params.fetch(:limit, 50)).clamp(1, 500))
    end

    def show
      render json: Upload.metadata.find(params[:id])
    end

    def create
      file = uploaded_file
      return render(json: { error: "a multipart field \"file\" is required" }, status: :bad_request) unless file
      render json: Upload.store!(file), status: :created
    end
  end
end
