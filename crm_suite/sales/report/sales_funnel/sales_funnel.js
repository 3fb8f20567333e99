// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

{% include "crm_suite/sales/report/sales_report_filters.js" %}

crm_suite_sales_report("Sales Funnel", __("Created From"), __("Created To"));
