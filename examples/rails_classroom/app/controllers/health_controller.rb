# haproxy's checks and the deploy gate: 200 only when the database answers.
class HealthController < ActionController::API
  def show
    ActiveRecord::Base.connection.select_value("SELECT 1")
    render plain: "ok #{Classroom::VERSION}\n"
  rescue StandardError => e
    Rails.logger.warn("health: database: #{e.class}: #{e.message.lines.first&.strip}")
    render plain: "database unavailable\n", status: :service_unavailable
  end

  def version
    render json: { version: Classroom::VERSION }
  end
end
