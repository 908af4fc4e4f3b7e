# The worker (`bin/rails jobs:work`) runs on every app host at once. Each job
# is locked by one worker in the UPDATE that reserves it, so it runs once.
# The worker prints its lines to stdout (journald) itself; also giving it
# Rails' logger (stdout too) would print each twice.
Delayed::Worker.logger = nil
Delayed::Worker.sleep_delay = Integer(ENV.fetch("CLASSROOM_WORKER_SLEEP", 2))
Delayed::Worker.max_attempts = 10
# A job locked by a host that died is taken again after this long.
Delayed::Worker.max_run_time = 5.minutes
Delayed::Worker.destroy_failed_jobs = false

# The stock query locks its candidate row with a plain FOR UPDATE, so workers
# polling at the same moment queue behind one another; SKIP LOCKED lets each
# take the next free job instead. Same query otherwise (delayed_job_active_record 4.1).
module Classroom
  module SkipLockedReserve
    def reserve_with_scope_using_optimized_postgres(ready_scope, worker, now)
      subquery = ready_scope.limit(1).lock("FOR UPDATE SKIP LOCKED").select("id").to_sql
      sql = "UPDATE #{connection.quote_table_name(table_name)} SET locked_at = ?, locked_by = ? " \
            "WHERE id IN (#{subquery}) RETURNING *"
      find_by_sql([sql, now, worker.name]).first
    end

    # After a failed poll (the primary restarted, a failover) start again on a
    # new connection; delayed_job itself keeps the dead one, and exits after
    # ten failed polls in a row (systemd restarts it).
    def recover_from(_error)
      ::ActiveRecord::Base.clear_all_connections!
    end
  end
end
Delayed::Backend::ActiveRecord::Job.singleton_class.prepend(Classroom::SkipLockedReserve)
