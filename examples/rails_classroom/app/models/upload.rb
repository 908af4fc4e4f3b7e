# A file, kept in PostgreSQL (bytea) so that every app host serves it and it
# survives losing any of them; the database's replication and backups cover it.
class Upload < ApplicationRecord
  MAX_BYTES = Integer(ENV.fetch("CLASSROOM_MAX_UPLOAD_BYTES", 2 * 1024 * 1024))
  METADATA = %i[id filename content_type byte_size sha256 created_at].freeze

  class TooLarge < StandardError; end

  # Lists and lookups never read the bytes.
  scope :metadata, -> { select(*METADATA) }

  validates :filename, presence: true, length: { maximum: 255 }
  validates :byte_size, numericality: { less_than_or_equal_to: MAX_BYTES }

  # Stores an uploaded file and, in the same transaction, queues its mail:
  # the job exists if and only if the upload does.
  def self.store!(file)
    raise TooLarge if file.size > MAX_BYTES
    data = file.read
    transaction do
      create!(filename: File.basename(file.original_filename.to_s).presence || "upload",
              content_type: file.content_type.presence || "application/octet-stream",
              byte_size: data.bytesize, sha256: Digest::SHA256.hexdigest(data), data: data).tap do |upload|
        UploadMailer.with(upload_id: upload.id).new_upload.deliver_later if UploadMailer.recipient
      end
    end
  end

  def as_json(*)
    { id: id, filename: filename, content_type: content_type, byte_size: byte_size, sha256: sha256,
      created_at: created_at, url: "/uploads/#{id}" }
  end
end
