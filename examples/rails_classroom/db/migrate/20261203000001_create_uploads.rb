# Migrations only add (tables, nullable columns, indexes): the release before
# keeps working on the schema while the hosts switch one by one.
class CreateUploads < ActiveRecord::Migration[6.1]
  def change
    create_table :uploads do |t|
      t.string :filename, null: false
      t.string :content_type, null: false
      t.integer :byte_size, null: false
      t.string :sha256, null: false, limit: 64
      t.binary :data, null: false
      t.timestamps
    end
    add_index :uploads, :created_at
  end
end
