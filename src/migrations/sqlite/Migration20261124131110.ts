import { Migration } from '@mikro-orm/migrations';

export class Migration20261124131110 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`gatehouse_user\` (\`id\` text not null, \`username\` text not null, \`email\` text null, \`password_hash\` text not null, \`roles\` json not null, \`is_active\` integer not null default true, \`last_login\` datetime null, \`date_joined\` datetime not null, \`tokens_valid_after\` datetime null, primary key (\`id\`));`);
    this.addSql(`create unique index \`gatehouse_user_username_unique\` on \`gatehouse_user\` (\`username\`);`);

    this.addSql(`create table \`gatehouse_device\` (\`id\` text not null, \`user_id\` text not null, \`name\` text not null, \`user_agent\` text null, \`created_at\` datetime not null, \`last_seen_at\` datetime not null, \`expires_at\` datetime not null, \`revoked_at\` datetime null, constraint \`gatehouse_device_user_id_foreign\` foreign key(\`user_id\`) references \`gatehouse_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`gatehouse_device_user_id_index\` on \`gatehouse_device\` (\`user_id\`);`);
    this.addSql(`create index \`gatehouse_device_user_id_revoked_at_index\` on \`gatehouse_device\` (\`user_id\`, \`revoked_at\`);`);

    this.addSql(`create table \`gatehouse_refresh_token\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('device', 'app')) not null, \`token_hash\` text not null, \`user_id\` text not null, \`device_id\` text null, \`app\` text null, \`orig_iat\` integer not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, \`used_at\` datetime null, \`replaced_by_id\` text null, \`sealed_successor\` text null, \`revoked_at\` datetime null, constraint \`gatehouse_refresh_token_user_id_foreign\` foreign key(\`user_id\`) references \`gatehouse_user\`(\`id\`) on delete cascade on update cascade, constraint \`gatehouse_refresh_token_device_id_foreign\` foreign key(\`device_id\`) references \`gatehouse_device\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`gatehouse_refresh_token_token_hash_unique\` on \`gatehouse_refresh_token\` (\`token_hash\`);`);
    this.addSql(`create index \`gatehouse_refresh_token_user_id_index\` on \`gatehouse_refresh_token\` (\`user_id\`);`);
    this.addSql(`create index \`gatehouse_refresh_token_device_id_index\` on \`gatehouse_refresh_token\` (\`device_id\`);`);
    this.addSql(`create index \`gatehouse_refresh_token_user_id_kind_app_index\` on \`gatehouse_refresh_token\` (\`user_id\`, \`kind\`, \`app\`);`);
  }

}
